//! The native half of the comparison: times each workload of the library
//! (best of `rounds` runs, after a warm-up) and prints one JSON object per
//! workload. `native [rounds]`; run.mjs runs it next to the wasm half.

use std::time::Instant;

use smtp_rs_wasm_bench::{Workload, NAMES};

fn main() {
    let rounds: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    for name in NAMES {
        let mut w = Workload::new(name);
        // Enough repetitions per timed run to last a few milliseconds.
        let reps = (4_000_000 / w.bytes().max(1)).clamp(1, 100_000) as u32;
        let result = w.run(reps);
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let t = Instant::now();
            w.run(reps);
            best = best.min(t.elapsed().as_secs_f64() / f64::from(reps));
        }
        println!(
            "{{\"name\":\"{name}\",\"bytes\":{},\"result\":{result},\"seconds\":{best:e}}}",
            w.bytes()
        );
    }
}
