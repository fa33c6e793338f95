//! Replays every transcript against both machines (see README.md).
//!
//! `cargo test -p conformance [-- DIR...]`; `SMTP_CONFORMANCE_DIR=DIR` adds a
//! directory too, `SMTP_CONFORMANCE_FILTER=text` keeps only files whose name
//! contains `text`. Each file runs whole, split at every offset of the
//! machine's input, and one byte at a time.

#[path = "replay/client_side.rs"]
mod client_side;
#[path = "replay/server_side.rs"]
mod server_side;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use conformance::{Side, Transcript};

/// How the machine's input is cut into `receive_data` calls.
#[derive(Clone, Copy, Debug)]
pub enum Cut {
    /// Each flight in one call.
    Whole,
    /// Flights as they are, plus one cut at this offset of the whole input.
    At(usize),
    /// One byte per call.
    Bytewise,
}

impl Cut {
    /// The pieces of `bytes`, which start at `offset` of the whole input.
    pub fn pieces<'a>(&self, offset: usize, bytes: &'a [u8]) -> Vec<&'a [u8]> {
        match *self {
            Cut::Whole => vec![bytes],
            Cut::Bytewise => bytes.chunks(1).collect(),
            Cut::At(k) if k > offset && k < offset + bytes.len() => {
                let (a, b) = bytes.split_at(k - offset);
                vec![a, b]
            }
            Cut::At(_) => vec![bytes],
        }
    }
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cut::Whole => f.write_str("whole"),
            Cut::At(k) => write!(f, "split at {k}"),
            Cut::Bytewise => f.write_str("byte by byte"),
        }
    }
}

/// Shows bytes readably in failure messages.
/// `@expect SIDE error [Name]`: an error must have happened and, when a
/// name is given, its Debug form must start with it.
pub fn error_matches(expected: Option<&str>, got: Option<&str>) -> bool {
    match (expected, got) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(name), Some(g)) => g.starts_with(name),
    }
}

pub fn show(bytes: &[u8]) -> String {
    let mut s = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\r' => s.push_str("\\r"),
                '\n' => s.push_str("\\n\n      "),
                '\0' => s.push_str("\\0"),
                '\\' => s.push_str("\\\\"),
                c if c.is_control() => s.push_str(&format!("\\x{:02x}", c as u32)),
                c => s.push(c),
            }
        }
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}

/// Where two byte strings first differ, for messages.
pub fn diff(label: &str, expected: &[u8], got: &[u8]) -> String {
    let at = expected.iter().zip(got).take_while(|(a, b)| a == b).count();
    let from = expected[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    format!(
        "{label}: differs at octet {at}\n    expected: {}\n    got:      {}",
        show(&expected[from..expected.len().min(at + 200)]),
        show(&got[from..got.len().min(at + 200)])
    )
}

/// Replays every split `1..len`, on all cores; returns the failure with
/// the smallest offset, if any.
fn every_split<F>(len: usize, replay: &F) -> Option<(Cut, String)>
where
    F: Fn(Cut) -> Result<(), String> + Sync,
{
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let next = AtomicUsize::new(1);
    let failures = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= len {
                    return;
                }
                if let Err(e) = replay(Cut::At(k)) {
                    failures
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((k, e));
                    // Stop handing out offsets past this one.
                    next.fetch_max(len, Ordering::Relaxed);
                    return;
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_else(|p| p.into_inner());
    failures.sort_by_key(|(k, _)| *k);
    failures.into_iter().next().map(|(k, e)| (Cut::At(k), e))
}

fn main() {
    let started = Instant::now();
    let mut dirs = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("transcripts")];
    if let Ok(dir) = std::env::var("SMTP_CONFORMANCE_DIR") {
        dirs.extend(std::env::split_paths(&dir));
    }
    // libtest-style flags (--nocapture, --quiet...) are ignored.
    dirs.extend(
        std::env::args()
            .skip(1)
            .filter(|a| !a.starts_with('-'))
            .map(PathBuf::from),
    );
    let filter = std::env::var("SMTP_CONFORMANCE_FILTER").unwrap_or_default();

    let mut files = Vec::new();
    for dir in &dirs {
        if dir.is_file() {
            files.push(dir.clone());
            continue;
        }
        match conformance::transcript_files(dir) {
            Ok(found) => files.extend(found),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
        }
    }
    files.retain(|f| {
        f.file_name()
            .is_some_and(|n| n.to_string_lossy().contains(&filter))
    });

    let (mut runs, mut failures, mut known_failures) = (0usize, Vec::new(), Vec::new());
    let mut replayed = 0;
    for file in &files {
        let t = match Transcript::from_file(file) {
            Ok(t) => t,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        replayed += 1;
        let file_started = Instant::now();
        let mut file_failures = Vec::new();
        for side in [Side::Client, Side::Server] {
            if !t.applies_to(side) {
                continue;
            }
            let input_len = match side {
                Side::Client => t.bytes_of(Side::Server).len(),
                Side::Server => t.bytes_of(Side::Client).len(),
            };
            let replay = |cut: Cut| match side {
                Side::Client => client_side::replay(&t, cut),
                Side::Server => server_side::replay(&t, cut),
            };
            runs += 2 + input_len.saturating_sub(1);
            let first = [Cut::Whole, Cut::Bytewise]
                .into_iter()
                .find_map(|cut| replay(cut).err().map(|e| (cut, e)));
            let failure = first.or_else(|| every_split(input_len, &replay));
            // `@known-failure SIDE reason`: reported, not counted; a file
            // that passes again must lose its marker.
            let known = t
                .directives("known-failure")
                .find(|a| a.split_whitespace().next() == Some(&side.to_string()))
                .map(str::to_string);
            match (failure, known) {
                (Some((cut, e)), None) => file_failures.push(format!("{} [{side}, {cut}]: {e}", t.name)),
                (Some((cut, e)), Some(why)) => known_failures.push(format!("{} [{side}, {cut}] ({why}): {e}", t.name)),
                (None, Some(why)) => file_failures.push(format!(
                    "{} [{side}]: passes, but is marked \"@known-failure {why}\": remove the marker",
                    t.name
                )),
                (None, None) => {}
            }
        }
        let mark = if file_failures.is_empty() {
            "ok  "
        } else {
            "FAIL"
        };
        println!(
            "{mark} {:<50} {:>6} ms",
            t.name,
            file_started.elapsed().as_millis()
        );
        failures.extend(file_failures);
    }
    let secs = started.elapsed().as_secs_f64();
    println!();
    for f in &known_failures {
        println!("KNOWN FAILURE {f}\n");
    }
    for f in &failures {
        println!("FAILED {f}\n");
    }
    println!(
        "conformance: {replayed} transcripts, {runs} replays, {} failures, {} known failures, {secs:.1} s",
        failures.len(),
        known_failures.len()
    );
    if !failures.is_empty() || replayed == 0 {
        std::process::exit(1);
    }
}
