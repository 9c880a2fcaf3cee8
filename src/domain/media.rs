//! What an uploaded file really is, judged from its first bytes, whatever its name says. A file
//! is let in only when its bytes are a picture or a video a screen can show (or that the
//! normalise job turns into one); everything else is refused at the door with the reason, so no
//! screen is left skipping an item nobody knows is broken.

use std::fmt;

/// How many leading bytes [`sniff`] wants to see (fewer when the file is shorter).
pub const SNIFF_LEN: usize = 8192;

/// What the bytes were recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// A picture, with its format's usual extension.
    Picture(&'static str),
    /// A video, with its container's usual extension.
    Video(&'static str),
}

/// Why the bytes are not media we can show: what they look like instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMedia {
    /// Finishes "it looks like …" / "it is …" in the message.
    pub looks_like: String,
}

impl fmt::Display for NotMedia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "This file is not a picture or video we can show: {}.",
            self.looks_like
        )
    }
}

impl std::error::Error for NotMedia {}

fn not(looks_like: impl Into<String>) -> NotMedia {
    NotMedia {
        looks_like: looks_like.into(),
    }
}

/// Picture formats a browser does not decode and nothing here converts: named rather than let
/// in, since a screen would skip them.
const UNSHOWABLE_PICTURES: &[(&str, &str)] = &[
    ("psd", "a Photoshop document; export it as PNG or JPEG"),
    ("cr2", "a camera RAW file; export it as JPEG"),
    ("jxr", "a JPEG XR picture, which browsers cannot show"),
    ("jp2", "a JPEG 2000 picture, which browsers cannot show"),
    ("jxl", "a JPEG XL picture, which browsers cannot show"),
    ("ora", "an OpenRaster drawing; export it as PNG"),
    ("djvu", "a DjVu document"),
    ("dwg", "an AutoCAD drawing"),
];

/// Judges `head`, the first [`SNIFF_LEN`] bytes of a file (all of it when shorter).
pub fn sniff(head: &[u8]) -> Result<Media, NotMedia> {
    if head.is_empty() {
        return Err(not("it is empty"));
    }
    let found = infer::get(head);
    if let Some(t) = &found {
        match t.matcher_type() {
            infer::MatcherType::Image => {
                return match UNSHOWABLE_PICTURES
                    .iter()
                    .find(|(ext, _)| *ext == t.extension())
                {
                    Some((_, what)) => Err(not(format!("it is {what}"))),
                    None => Ok(Media::Picture(t.extension())),
                };
            }
            infer::MatcherType::Video => return Ok(Media::Video(t.extension())),
            _ => {}
        }
    }
    if let Some(svg) = svg(head) {
        return svg;
    }
    if let Some(t) = found {
        return Err(not(describe(&t)));
    }
    // MPEG transport streams (`.ts` from TV gear and cameras) carry no magic number, only a
    // sync byte every 188 bytes; ffmpeg converts them. Three in a row, and not text (a text
    // file can hold a `G` at 0 and 188 by chance).
    if head.len() > 376
        && head[0] == 0x47
        && head[188] == 0x47
        && head[376] == 0x47
        && !looks_like_text(head)
    {
        return Ok(Media::Video("ts"));
    }
    // An EBML header is Matroska or WebM; infer names them only when their doc type comes
    // early and the file is long enough.
    if head.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]) {
        return Ok(Media::Video("mkv"));
    }
    if looks_like_text(head) {
        return Err(not("it looks like text"));
    }
    Err(not(
        "its contents are not in any picture or video format we know",
    ))
}

/// What a known non-media type is, in words an owner understands.
fn describe(t: &infer::Type) -> String {
    let ext = t.extension().to_ascii_uppercase();
    // infer files PDF and RTF among archives; to an owner they are documents.
    if matches!(t.extension(), "pdf" | "rtf" | "ps") {
        return format!("it looks like a document ({ext})");
    }
    match t.matcher_type() {
        infer::MatcherType::Text => match t.extension() {
            "html" => "it looks like a web page (HTML)".into(),
            "xml" => "it looks like an XML document".into(),
            _ => "it looks like text".into(),
        },
        infer::MatcherType::Doc => format!("it looks like a document ({ext})"),
        infer::MatcherType::Archive => format!("it looks like an archive ({ext})"),
        infer::MatcherType::Audio => format!("it looks like sound only ({ext})"),
        infer::MatcherType::Font => format!("it looks like a font ({ext})"),
        infer::MatcherType::Book => format!("it looks like an e-book ({ext})"),
        infer::MatcherType::App => "it looks like a program".into(),
        _ => format!("it looks like a {ext} file"),
    }
}

/// `Some` when `head` is XML-like text: an SVG picture when it parses and its root element is
/// `<svg>`, else the reason it is not.
fn svg(head: &[u8]) -> Option<Result<Media, NotMedia>> {
    use quick_xml::events::Event;
    let text = std::str::from_utf8(head)
        .or_else(|e| std::str::from_utf8(&head[..e.valid_up_to()]))
        .ok()?;
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if !body.starts_with('<') || body.starts_with("<!DOCTYPE html") || body.starts_with("<html") {
        return None;
    }
    let mut reader = quick_xml::Reader::from_str(body);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                return Some(if AsRef::<str>::as_ref(&e.local_name()) == "svg" {
                    Ok(Media::Picture("svg"))
                } else {
                    Err(not("it looks like an XML document, not an SVG picture"))
                });
            }
            Ok(Event::Eof) => {
                return Some(Err(not("it looks like text with no SVG picture in it")));
            }
            Ok(Event::Text(t)) if !t.trim_ascii().is_empty() => {
                return Some(Err(not("it looks like text")));
            }
            Ok(_) => {}
            Err(_) => {
                return Some(Err(not(
                    "it looks like text (an SVG picture that does not parse)",
                )));
            }
        }
    }
}

/// Printable UTF-8 (a character cut at the end of the head is fine), or UTF-16 with its mark.
fn looks_like_text(head: &[u8]) -> bool {
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return true;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(s) => s,
        Err(e) if head.len() - e.valid_up_to() < 4 && e.error_len().is_none() => {
            std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    !valid.is_empty()
        && valid
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(head: &[u8]) -> String {
        sniff(head).unwrap_err().to_string()
    }

    #[test]
    fn pictures_and_videos_pass() {
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Ok(Media::Picture("png"))
        );
        assert_eq!(
            sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"),
            Ok(Media::Picture("jpg"))
        );
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Ok(Media::Picture("gif")));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Media::Picture("webp")));
        assert_eq!(
            sniff(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0"),
            Ok(Media::Picture("bmp"))
        );
        assert_eq!(
            sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
            Ok(Media::Picture("avif"))
        );
        assert_eq!(
            sniff(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            Ok(Media::Picture("heif"))
        );
        assert_eq!(
            sniff(b"\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41"),
            Ok(Media::Video("mp4"))
        );
        assert_eq!(
            sniff(b"\0\0\0\x14ftypqt  \0\0\0\0qt  "),
            Ok(Media::Video("mov"))
        );
        let padded = |head: &[u8]| {
            let mut v = head.to_vec();
            v.resize(400, 0);
            v
        };
        assert_eq!(
            sniff(&padded(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm")),
            Ok(Media::Video("webm"))
        );
        // Too short for infer to name it: still Matroska by its header.
        assert_eq!(
            sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01"),
            Ok(Media::Video("mkv"))
        );
        let mut ts = vec![0u8; 400];
        ts[0] = 0x47;
        ts[188] = 0x47;
        ts[376] = 0x47;
        assert_eq!(sniff(&ts), Ok(Media::Video("ts")));
        // Text with a `G` at 0, 188 and 376 is still text.
        let mut text = "x".repeat(400).into_bytes();
        text[0] = b'G';
        text[188] = b'G';
        text[376] = b'G';
        assert!(sniff(&text).is_err());
    }

    #[test]
    fn svg_must_parse_with_an_svg_root() {
        let ok = br#"<?xml version="1.0"?>
<!-- drawn by hand -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#;
        assert_eq!(sniff(ok), Ok(Media::Picture("svg")));
        assert_eq!(
            sniff(b"\xef\xbb\xbf<svg:svg xmlns:svg=\"http://www.w3.org/2000/svg\"/>"),
            Ok(Media::Picture("svg"))
        );
        assert!(reason(b"<?xml version=\"1.0\"?><note>hi</note>").contains("not an SVG"));
        assert!(reason(b"<svg <<<").contains("does not parse"));
        assert!(reason(b"<!DOCTYPE html><html><body>hi</body></html>").contains("web page"));
    }

    #[test]
    fn everything_else_is_named() {
        assert_eq!(
            reason(b"Hello, this is a letter.\nNot a picture.\n"),
            "This file is not a picture or video we can show: it looks like text."
        );
        assert_eq!(
            reason("Blåbär och smörgås på fredag".as_bytes()),
            "This file is not a picture or video we can show: it looks like text."
        );
        // A character cut by the end of the head is still text.
        assert!(reason(&"ééé".as_bytes()[..5]).contains("text"));
        assert!(reason(b"#EXTM3U\n#EXTINF:1,\n/etc/passwd\n").contains("text"));
        assert!(reason(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n").contains("document (PDF)"));
        assert!(reason(b"PK\x03\x04\x14\0\0\0\x08\0").contains("archive (ZIP)"));
        assert!(reason(b"ID3\x04\0\0\0\0\0\0").contains("sound only (MP3)"));
        let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
        elf.resize(64, 0);
        assert!(reason(&elf).contains("program"));
        assert!(reason(b"8BPS\0\x01\0\0\0\0\0\0").contains("Photoshop"));
        assert_eq!(
            reason(b""),
            "This file is not a picture or video we can show: it is empty."
        );
        assert!(reason(&[0x00, 0x01, 0x02, 0x03, 0x9f, 0x80]).contains("not in any picture"));
        // A name cannot make bytes a picture: the first bytes of a counting pattern.
        let pattern: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
        assert!(sniff(&pattern).is_err());
    }
}
