//! What a run shows while it works: bars on a terminal (one per file and one overall), plain
//! lines otherwise (a log, CI, `--json` runs), always on stderr so stdout holds only the report.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::domain::migration::human_bytes;

pub enum Progress {
    Bars {
        multi: MultiProgress,
        overall: ProgressBar,
        file: Option<ProgressBar>,
    },
    Lines {
        /// The file being copied: its name, size and the last tenth reported.
        file: Option<(String, u64, u64)>,
    },
}

impl Progress {
    /// Bars when stderr is a terminal and `plain` was not asked for.
    pub fn new(plain: bool) -> Progress {
        if plain || !std::io::stderr().is_terminal() {
            return Progress::Lines { file: None };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(
            ProgressStyle::with_template("{msg:>12} [{bar:30}] {bytes}/{total_bytes} {eta}")
                .expect("template")
                .progress_chars("=> "),
        );
        overall.set_message("overall");
        Progress::Bars {
            multi,
            overall,
            file: None,
        }
    }

    /// A line of its own (above the bars on a terminal).
    pub fn say(&self, line: &str) {
        match self {
            Progress::Bars { multi, .. } => {
                let _ = multi.println(line);
            }
            Progress::Lines { .. } => eprintln!("{line}"),
        }
    }

    /// The bytes the whole run will move.
    pub fn total(&mut self, bytes: u64) {
        if let Progress::Bars { overall, .. } = self {
            overall.set_length(bytes);
        }
    }

    /// A file of `size` bytes starts, `done` of them already there from an earlier run.
    pub fn file(&mut self, name: &str, size: u64, done: u64, what: &str) {
        match self {
            Progress::Bars { multi, file, .. } => {
                let bar = multi.insert(0, ProgressBar::new(size));
                bar.set_style(
                    ProgressStyle::with_template(
                        "{msg:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                    )
                    .expect("template")
                    .progress_chars("=> "),
                );
                bar.set_message(short(name));
                bar.set_position(done);
                if let Some(old) = file.replace(bar) {
                    old.finish_and_clear();
                }
            }
            Progress::Lines { file } => {
                let resumed = if done > 0 {
                    format!(", resuming at {}", human_bytes(done))
                } else {
                    String::new()
                };
                eprintln!("{what} {name} ({}{resumed})", human_bytes(size));
                *file = Some((name.to_string(), size, done * 10 / size.max(1)));
            }
        }
    }

    /// `n` more bytes of the current file moved (`counts`: they count towards the overall bar).
    pub fn advance(&mut self, at: u64, n: u64, counts: bool) {
        match self {
            Progress::Bars { overall, file, .. } => {
                if let Some(f) = file {
                    f.set_position(at);
                }
                if counts {
                    overall.inc(n);
                }
            }
            Progress::Lines { file } => {
                if let Some((name, size, tenth)) = file {
                    let now = at * 10 / (*size).max(1);
                    if now > *tenth && now < 10 {
                        *tenth = now;
                        eprintln!("  {name}: {} of {}", human_bytes(at), human_bytes(*size));
                    }
                }
            }
        }
    }

    /// The current file is done.
    pub fn file_done(&mut self) {
        match self {
            Progress::Bars { file, .. } => {
                if let Some(f) = file.take() {
                    f.finish_and_clear();
                }
            }
            Progress::Lines { file } => *file = None,
        }
    }

    pub fn finish(&mut self) {
        self.file_done();
        if let Progress::Bars { overall, .. } = self {
            overall.finish_and_clear();
        }
    }
}

fn short(name: &str) -> String {
    if name.chars().count() <= 12 {
        return name.to_string();
    }
    let mut s: String = name.chars().take(11).collect();
    s.push('…');
    s
}
