//! Which backend a database URL names. The scheme decides; nothing is guessed by trying.

use std::fmt;

/// The database engines Signate can run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// A database URL whose backend is compiled into this build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A file path (or an SQLite `file:` URI).
    #[cfg(feature = "sqlite")]
    Sqlite(String),
    /// A libpq connection URL.
    #[cfg(feature = "postgres")]
    Postgres(String),
}

/// Why a database URL cannot be used by this build.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    #[error("the database URL is empty")]
    Empty,
    #[error(
        "{backend} database URLs need the `{backend}` Cargo feature, which this build lacks; \
         rebuild with `cargo build --release --features {backend}`"
    )]
    MissingFeature { backend: Backend },
    #[error("unsupported database URL scheme `{0}`; use sqlite://PATH or postgres://…")]
    UnknownScheme(String),
}

impl DatabaseUrl {
    /// `postgres://` and `postgresql://` are PostgreSQL; `sqlite://PATH`, `sqlite:PATH`,
    /// `file:…` and a plain path are SQLite.
    pub fn parse(raw: &str) -> Result<DatabaseUrl, UrlError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(UrlError::Empty);
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(DatabaseUrl::Postgres(raw.to_string()));
            #[cfg(not(feature = "postgres"))]
            return Err(UrlError::MissingFeature {
                backend: Backend::Postgres,
            });
        }
        let path = if let Some(rest) = raw.strip_prefix("sqlite://") {
            rest
        } else if let Some(rest) = raw.strip_prefix("sqlite:") {
            rest
        } else if raw.starts_with("file:") {
            raw
        } else if let Some((scheme, _)) = raw.split_once("://") {
            return Err(UrlError::UnknownScheme(scheme.to_string()));
        } else {
            raw
        };
        if path.is_empty() {
            return Err(UrlError::Empty);
        }
        #[cfg(feature = "sqlite")]
        return Ok(DatabaseUrl::Sqlite(path.to_string()));
        #[cfg(not(feature = "sqlite"))]
        return Err(UrlError::MissingFeature {
            backend: Backend::Sqlite,
        });
    }

    /// The backend this URL names.
    pub fn backend(&self) -> Backend {
        match self {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// For logs: the path, or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            #[cfg(feature = "sqlite")]
            DatabaseUrl::Sqlite(path) => format!("sqlite {path}"),
            #[cfg(feature = "postgres")]
            DatabaseUrl::Postgres(url) => format!("postgres {}", crate::config::redact_url(url)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_forms() {
        for (raw, path) in [
            ("sqlite://./data/x.db", "./data/x.db"),
            ("sqlite:/tmp/x.db", "/tmp/x.db"),
            ("/tmp/x.db", "/tmp/x.db"),
            ("x.db", "x.db"),
            ("file:x.db?mode=rwc", "file:x.db?mode=rwc"),
        ] {
            assert_eq!(
                DatabaseUrl::parse(raw),
                Ok(DatabaseUrl::Sqlite(path.into()))
            );
        }
    }

    #[test]
    fn refuses_unknown_and_empty() {
        assert_eq!(
            DatabaseUrl::parse("mysql://u@h/db"),
            Err(UrlError::UnknownScheme("mysql".into()))
        );
        assert_eq!(DatabaseUrl::parse("  "), Err(UrlError::Empty));
        assert_eq!(DatabaseUrl::parse("sqlite://"), Err(UrlError::Empty));
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_forms() {
        let url = DatabaseUrl::parse("postgresql://u:p@h/db").unwrap();
        assert_eq!(url.backend(), Backend::Postgres);
        assert_eq!(url.describe(), "postgres postgresql://u:***@h/db");
    }

    #[cfg(not(feature = "postgres"))]
    #[test]
    fn postgres_needs_feature() {
        let err = DatabaseUrl::parse("postgres://u@h/db").unwrap_err();
        assert!(err.to_string().contains("--features postgres"), "{err}");
    }
}
