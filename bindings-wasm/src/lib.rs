//! The WebAssembly half of the `smtp-rs` JavaScript package.
//!
//! This crate exposes `smtp-core`'s two sans-IO machines to JavaScript
//! through wasm-bindgen, as the raw classes `RawClient` and `RawServer`
//! (plus their option builders). Users never see these: the package's
//! hand-written JS layer (`js/`) wraps them into `ClientConnection` and
//! `ServerConnection`, validates arguments, turns error strings into
//! `SmtpLocalError`/`TypeError`, and never lets a trap escape as an opaque
//! `unreachable`.
//!
//! Conventions of the boundary:
//! * Events leave in batches as one JSON array (`drain_events`), byte
//!   fields as ranges of one side buffer (`take_payload`): see `src/json.rs`.
//! * A failing call throws a JSON string
//!   `{"kind":"local"|"type", "code", "message", ...fields}`; the JS layer
//!   builds the error object from it. Nothing else is ever thrown as a string.
//! * Time is the caller's: milliseconds as a JS number, truncated to an
//!   integer [`smtp_core::Timestamp`].
//! * A Rust panic (none is expected: smtp-core is linted free of them)
//!   records its message with [`take_panic_message`] before the trap, so the
//!   JS layer can report it.
//!
//! No protocol rule lives here: every decision is smtp-core's.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

mod client;
mod client_events;
mod convert;
mod errors;
mod json;
mod machine;
mod options;
mod server;
mod server_events;

pub use client::RawClient;
pub use options::{ClientOptions, ServerOptions};
pub use server::RawServer;

thread_local! {
    /// The message of the last panic, kept for the JS layer: on wasm32 a
    /// panic aborts with a trap that carries no text.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs when the module is instantiated: installs the panic hook.
#[wasm_bindgen(start)]
pub fn start() {
    std::panic::set_hook(Box::new(|info| {
        let text = info.to_string();
        LAST_PANIC.with(|p| *p.borrow_mut() = Some(text));
    }));
}

/// The message of the last Rust panic, once (then `undefined`).
#[wasm_bindgen(js_name = takePanicMessage)]
pub fn take_panic_message() -> Option<String> {
    LAST_PANIC.with(|p| p.borrow_mut().take())
}

/// The size of the module's linear memory in octets: what the tests and
/// benchmarks watch to show memory stays bounded (it never shrinks).
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        (core::arch::wasm32::memory_size(0) * 65536) as f64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

/// The module's `WebAssembly.Memory`: the JS layer copies the bytes to
/// write straight out of it (see `pendingTransmitAddress`), with no
/// allocation on either side.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// The EHLO keywords of the extensions smtp-rs knows (what a server may
/// offer with its `extensions` option).
#[wasm_bindgen(js_name = extensionNames)]
pub fn extension_names() -> Vec<String> {
    convert::ALL_EXTENSIONS
        .iter()
        .fold(smtp_core::Extensions::NONE, |all, &ext| all | ext)
        .keywords()
        .map(str::to_string)
        .collect()
}

/// Panics with `message`: the test suite's way to prove a trap reaches JS
/// as `SmtpInternalError` with the message. Not part of the public API.
#[wasm_bindgen(js_name = __panicForTests)]
pub fn panic_for_tests(message: &str) {
    panic!("{message}");
}
