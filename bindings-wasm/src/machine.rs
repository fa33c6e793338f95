//! The half of the sans-IO contract both raw machines share, written once:
//! bytes, EOF, time and the TLS handshake in; events, bytes to write and
//! the next deadline out; the state getters both have.

/// Adds the shared methods to a raw machine: a struct with the fields
/// `core` (the smtp-core machine), `events` (a [`Json`](crate::json::Json)
/// batch) and `payload`; `$write` writes one core event into the batch (it may read
/// what the machine lends about that event, e.g. the server's command line).
macro_rules! sans_io_methods {
    ($ty:ident, $write:path) => {
        #[wasm_bindgen]
        impl $ty {
            #[wasm_bindgen(js_name = receiveData)]
            pub fn receive_data(&mut self, data: &[u8], now: f64) {
                self.core.receive_data(data, crate::convert::timestamp(now));
            }

            #[wasm_bindgen(js_name = receiveEof)]
            pub fn receive_eof(&mut self, now: f64) {
                self.core.receive_eof(crate::convert::timestamp(now));
            }

            #[wasm_bindgen(js_name = handleTimeout)]
            pub fn handle_timeout(&mut self, now: f64) {
                self.core.handle_timeout(crate::convert::timestamp(now));
            }

            #[wasm_bindgen(js_name = tlsEstablished)]
            pub fn tls_established(&mut self, now: f64) -> Result<(), JsValue> {
                self.core
                    .tls_established(crate::convert::timestamp(now))
                    .map_err(crate::errors::local)
            }

            /// Every pending event as one JSON object per line (`""` when
            /// there is none). Each object starts with its `"type"` and
            /// ends with its `"final"` flag, and JSON escapes every line
            /// break inside a string: the JS side splits the batch at `\n`
            /// and reads an event's type without parsing the event, so
            /// the events nobody waits for are never parsed.
            #[wasm_bindgen(js_name = drainEvents)]
            pub fn drain_events(&mut self) -> String {
                while let Some(event) = self.core.poll_event() {
                    if !self.events.is_empty() {
                        self.events.line_break();
                    }
                    $write(&mut self.events, &event, &self.core);
                }
                if self.events.is_empty() {
                    return String::new();
                }
                let (text, payload) = self.events.take();
                self.payload = payload;
                text
            }

            /// The byte fields of the last batch (`[start, end]` ranges in it).
            #[wasm_bindgen(js_name = takePayload)]
            pub fn take_payload(&mut self) -> Vec<u8> {
                std::mem::take(&mut self.payload)
            }

            /// A copy of the bytes waiting to be written.
            #[wasm_bindgen(js_name = pendingTransmit)]
            pub fn pending_transmit(&self) -> Vec<u8> {
                self.core.pending_transmit().to_vec()
            }

            #[wasm_bindgen(js_name = consumeTransmit)]
            pub fn consume_transmit(&mut self, n: f64) {
                self.core.consume_transmit(n as usize);
            }

            /// A copy of the bytes waiting to be written, all marked written.
            #[wasm_bindgen(js_name = takeTransmit)]
            pub fn take_transmit(&mut self) -> Vec<u8> {
                let out = self.core.pending_transmit().to_vec();
                self.core.consume_transmit(out.len());
                out
            }

            /// Copies up to `out.len()` waiting octets into `out` (the
            /// caller's buffer, reused from write to write, so a large
            /// body makes no garbage per write) and marks them written;
            /// returns how many.
            #[wasm_bindgen(js_name = takeTransmitInto)]
            pub fn take_transmit_into(&mut self, out: &mut [u8]) -> usize {
                let pending = self.core.pending_transmit();
                let n = pending.len().min(out.len());
                out[..n].copy_from_slice(&pending[..n]);
                self.core.consume_transmit(n);
                n
            }

            /// Where the bytes waiting to be written start in the module's
            /// memory (`wasmMemory()`), valid until the next call on this
            /// object: the JS layer copies `pendingTransmitLength()` octets
            /// from there into a buffer of its own, then consumes them.
            #[wasm_bindgen(js_name = pendingTransmitAddress)]
            pub fn pending_transmit_address(&self) -> usize {
                self.core.pending_transmit().as_ptr() as usize
            }

            #[wasm_bindgen(js_name = pendingTransmitLength)]
            pub fn pending_transmit_length(&self) -> usize {
                self.core.pending_transmit().len()
            }

            #[wasm_bindgen(js_name = pollTimeout)]
            pub fn poll_timeout(&self) -> Option<f64> {
                self.core.poll_timeout().map(|t| t.as_millis() as f64)
            }

            #[wasm_bindgen(js_name = isClosed)]
            pub fn is_closed(&self) -> bool {
                self.core.is_closed()
            }

            #[wasm_bindgen(js_name = isTls)]
            pub fn is_tls(&self) -> bool {
                self.core.is_tls()
            }

            #[wasm_bindgen(js_name = isAuthenticated)]
            pub fn is_authenticated(&self) -> bool {
                self.core.is_authenticated()
            }

            /// Panics inside a method of this object (tests of the trap path).
            #[wasm_bindgen(js_name = __panicForTests)]
            pub fn panic_for_tests(&mut self, message: &str) {
                panic!("{message}");
            }
        }
    };
}

pub(crate) use sans_io_methods;
