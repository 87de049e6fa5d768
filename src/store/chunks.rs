//! How one cached answer becomes DynamoDB items and back: JSON, deflated, cut into chunks well
//! inside the 400 KB item limit, with a SHA-256 of the compressed bytes so a reader can tell a
//! whole answer from a damaged or mixed one. Writing goes through [`BatchWriter`] in batches of
//! at most 25 (BatchWriteItem's limit), retrying what DynamoDB hands back unprocessed.
//!
//! Compression is deflate through `flate2` (its pure-Rust `miniz_oxide` backend, already in the
//! dependency tree): no C toolchain, and JSON full of repeated service and region names shrinks
//! about tenfold, so a 1,000-service × 400-day cube is a handful of items rather than dozens.

use std::io::{Read, Write};
use std::time::Duration;

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use sha2::{Digest, Sha256};

/// Bytes of compressed answer per item: DynamoDB allows 400 KB per item, attribute names and
/// keys included; this leaves room for those and for the approximate size checks of emulators.
pub const CHUNK_BYTES: usize = 300 * 1024;

/// BatchWriteItem takes at most 25 puts per call.
pub const BATCH_ITEMS: usize = 25;

/// How often unprocessed items are sent again before the write is given up.
const BATCH_RETRIES: u32 = 8;

/// An answer ready to be stored: its chunks and the checksum the `meta` item records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub chunks: Vec<Vec<u8>>,
    /// SHA-256 of the compressed bytes, hex.
    pub sha256: String,
}

/// Deflates `json` and cuts it into chunks of at most `chunk_bytes` (never zero chunks: an
/// empty answer is one empty chunk, so "no chunks" always means "missing").
pub fn encode(json: &[u8], chunk_bytes: usize) -> std::io::Result<Encoded> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(json)?;
    let compressed = encoder.finish()?;
    let sha256 = hex(&Sha256::digest(&compressed));
    let mut chunks: Vec<Vec<u8>> = compressed
        .chunks(chunk_bytes.max(1))
        .map(<[u8]>::to_vec)
        .collect();
    if chunks.is_empty() {
        chunks.push(Vec::new());
    }
    Ok(Encoded { chunks, sha256 })
}

/// Joins chunks (in order) back into the JSON, checking count and checksum first: a reader
/// must see a whole answer of one generation or none.
pub fn decode(chunks: &[Vec<u8>], expected: usize, sha256: &str) -> Result<Vec<u8>, String> {
    if chunks.len() != expected {
        return Err(format!("{} of {expected} chunks present", chunks.len()));
    }
    let compressed = chunks.concat();
    let actual = hex(&Sha256::digest(&compressed));
    if actual != sha256 {
        return Err("checksum mismatch".into());
    }
    let mut json = Vec::new();
    DeflateDecoder::new(compressed.as_slice())
        .read_to_end(&mut json)
        .map_err(|e| format!("cannot inflate: {e}"))?;
    Ok(json)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One BatchWriteItem call: sends `items`, answers those DynamoDB left unprocessed.
pub trait BatchWriter {
    type Item: Clone;
    fn write(
        &self,
        items: Vec<Self::Item>,
    ) -> impl Future<Output = Result<Vec<Self::Item>, String>> + Send;
}

/// Writes every item in batches of [`BATCH_ITEMS`], sending unprocessed ones again after a
/// growing pause (DynamoDB returns them when a partition is busy) until none are left or the
/// retries run out.
pub async fn write_all<W: BatchWriter>(
    writer: &W,
    items: Vec<W::Item>,
    first_pause: Duration,
) -> Result<(), String> {
    for batch in items.chunks(BATCH_ITEMS) {
        let mut pending = batch.to_vec();
        let mut pause = first_pause;
        for attempt in 0..=BATCH_RETRIES {
            pending = writer.write(pending).await?;
            if pending.is_empty() {
                break;
            }
            if attempt == BATCH_RETRIES {
                return Err(format!(
                    "{} item(s) still unprocessed after {BATCH_RETRIES} retries",
                    pending.len()
                ));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn round_trips_and_splits_at_the_limit() {
        // Incompressible bytes, so the compressed size is known to within deflate's framing.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..10_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        let whole = encode(&noise, usize::MAX).expect("encode");
        let size = whole.chunks[0].len();
        for (limit, expected) in [
            (size, 1),
            (size - 1, 2),
            (size.div_ceil(2), 2),
            (size.div_ceil(2) - 1, 3),
            (1, size),
        ] {
            let e = encode(&noise, limit).expect("encode");
            assert_eq!(e.chunks.len(), expected, "limit {limit} of {size}");
            assert!(e.chunks.iter().all(|c| c.len() <= limit && !c.is_empty()));
            assert_eq!(
                e.sha256, whole.sha256,
                "the split does not change the bytes"
            );
            assert_eq!(
                decode(&e.chunks, expected, &e.sha256).expect("decode"),
                noise
            );
        }
    }

    #[test]
    fn an_empty_answer_is_one_chunk() {
        let e = encode(b"", CHUNK_BYTES).expect("encode");
        assert_eq!(e.chunks.len(), 1);
        assert_eq!(decode(&e.chunks, 1, &e.sha256).expect("decode"), b"");
    }

    #[test]
    fn a_missing_reordered_or_foreign_chunk_is_refused() {
        let json = serde_json::to_vec(&(0..20_000).collect::<Vec<u32>>()).expect("json");
        let e = encode(&json, 1024).expect("encode");
        assert!(e.chunks.len() > 3);
        let n = e.chunks.len();
        let missing = &e.chunks[..n - 1];
        assert!(
            decode(missing, n, &e.sha256)
                .unwrap_err()
                .contains("chunks present")
        );
        let mut swapped = e.chunks.clone();
        swapped.swap(0, 1);
        assert_eq!(
            decode(&swapped, n, &e.sha256).unwrap_err(),
            "checksum mismatch"
        );
        let other = encode(b"[1,2,3]", 1024).expect("encode");
        let mut mixed = e.chunks.clone();
        mixed[0] = other.chunks[0].clone();
        assert!(decode(&mixed, n, &e.sha256).is_err());
        assert_eq!(decode(&e.chunks, n, &e.sha256).expect("whole"), json);
    }

    /// A BatchWriteItem stand-in: records each call's size, refuses more than 25, and hands
    /// back the last `unprocessed` items of the first calls it is scripted to.
    struct Fake {
        calls: Mutex<Vec<usize>>,
        written: Mutex<Vec<u32>>,
        unprocessed: Mutex<Vec<usize>>,
    }

    impl BatchWriter for Fake {
        type Item = u32;
        async fn write(&self, items: Vec<u32>) -> Result<Vec<u32>, String> {
            if items.len() > BATCH_ITEMS {
                return Err(format!("{} items in one batch", items.len()));
            }
            self.calls.lock().expect("lock").push(items.len());
            let back = {
                let mut script = self.unprocessed.lock().expect("lock");
                if script.is_empty() {
                    0
                } else {
                    script.remove(0)
                }
            };
            let keep = items.len().saturating_sub(back);
            self.written
                .lock()
                .expect("lock")
                .extend_from_slice(&items[..keep]);
            Ok(items[keep..].to_vec())
        }
    }

    fn fake(unprocessed: Vec<usize>) -> Fake {
        Fake {
            calls: Mutex::new(Vec::new()),
            written: Mutex::new(Vec::new()),
            unprocessed: Mutex::new(unprocessed),
        }
    }

    fn run<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn batches_hold_at_most_25_and_unprocessed_items_are_sent_again() {
        let writer = fake(vec![0, 10, 3]);
        let items: Vec<u32> = (0..60).collect();
        run(write_all(&writer, items.clone(), Duration::from_millis(1))).expect("written");
        // 25 (all taken), 25 (10 back), those 10 (3 back), those 3, then the last 10.
        assert_eq!(*writer.calls.lock().expect("lock"), [25, 25, 10, 3, 10]);
        let mut written = writer.written.lock().expect("lock").clone();
        written.sort();
        assert_eq!(written, items);
    }

    #[test]
    fn exactly_25_is_one_batch_and_26_is_two() {
        for (n, calls) in [(25u32, vec![25]), (26, vec![25, 1]), (0, vec![])] {
            let writer = fake(vec![]);
            run(write_all(
                &writer,
                (0..n).collect(),
                Duration::from_millis(1),
            ))
            .expect("ok");
            assert_eq!(*writer.calls.lock().expect("lock"), calls, "{n} items");
        }
    }

    #[test]
    fn items_that_stay_unprocessed_fail_the_write() {
        let writer = fake(vec![1; 20]);
        let err =
            run(write_all(&writer, vec![1, 2], Duration::from_millis(1))).expect_err("gives up");
        assert!(err.contains("still unprocessed"), "{err}");
    }
}
