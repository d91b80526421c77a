//! TensorBoard event files in a run folder: TFRecord framing (each record its length, the
//! masked CRC-32C of the length, the encoded [`Event`], the masked CRC-32C of the event; the
//! checksum from the `crc32c` crate), a new file per training process named so that it
//! sorts after the folder's earlier ones, appended to whole records at a time, and cut back
//! to a step when a run resumes from an earlier checkpoint.
//!
//! Each append opens the file, writes its records in one call and closes it: a reader
//! (TensorBoard) sees every record as soon as it is written, and a file that has become
//! unwritable fails that append alone.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use prost::Message;

use crate::error::{Error, Result};
use crate::storage::event_proto::{Event, What};

/// How every event file's name begins: TensorBoard reads the files whose name holds
/// `tfevents`.
pub const EVENT_FILE_PREFIX: &str = "events.out.tfevents.";

/// The record every event file starts with.
const FILE_VERSION: &str = "brain.Event:2";

/// Bytes of a record's header: the length (8) and its checksum (4).
const HEADER_BYTES: usize = 12;

/// An event file being written.
#[derive(Clone, Debug)]
pub struct EventFile {
    path: PathBuf,
}

impl EventFile {
    /// Starts a new event file in `folder`, its name's seconds later than those of any event
    /// file already there (TensorBoard reads a folder's files in the order of their names),
    /// holding the file-version record.
    pub fn create(folder: &Path) -> Result<EventFile> {
        let now = seconds_since_epoch();
        let latest = event_files(folder)?
            .iter()
            .filter_map(|path| seconds_in_name(path))
            .max();
        let seconds = latest.map_or(now as u64, |latest| (now as u64).max(latest + 1));
        let name = format!(
            "{EVENT_FILE_PREFIX}{seconds:010}.{}.{}",
            host_name(),
            std::process::id()
        );
        let path = folder.join(name);
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Error::io("creating", &path, e))?;
        let file = EventFile { path };
        file.append(&[Event {
            wall_time: now,
            step: 0,
            what: Some(What::FileVersion(FILE_VERSION.into())),
        }])?;
        Ok(file)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `events`, in one write, to the end of the file (which must exist).
    pub fn append(&self, events: &[Event]) -> Result<()> {
        let mut bytes = Vec::new();
        for event in events {
            frame(&event.encode_to_vec(), &mut bytes);
        }
        let mut file = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|e| Error::io("opening", &self.path, e))?;
        file.write_all(&bytes)
            .map_err(|e| Error::io("writing", &self.path, e))
    }
}

/// Seconds since the Unix epoch, as an event's wall time.
pub fn seconds_since_epoch() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

/// The event files of `folder`, in the order TensorBoard reads them (by name).
pub fn event_files(folder: &Path) -> Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("listing", folder, e)),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with(EVENT_FILE_PREFIX)
        })
        .map(|entry| entry.path())
        .collect();
    files.sort();
    Ok(files)
}

/// The events of the file at `path` with the byte offset each ends at, up to the first
/// record that is cut short or fails its checksum (a write the process was killed in).
pub fn read_events(path: &Path) -> Result<Vec<(Event, u64)>> {
    let bytes = fs::read(path).map_err(|e| Error::io("reading", path, e))?;
    let mut events = Vec::new();
    let mut at = 0;
    while let Some((event, end)) = record_at(&bytes, at) {
        events.push((event, end as u64));
        at = end;
    }
    Ok(events)
}

/// Cuts every event file of `folder` back to its events up to step `last_step` (the first
/// record, the file version, always stays), dropping a torn last record too: what a run
/// resumed from its checkpoint of `last_step` has logged before.
pub fn keep_events_up_to(folder: &Path, last_step: u64) -> Result<()> {
    for path in event_files(folder)? {
        if !path.is_file() {
            continue;
        }
        let events = read_events(&path)?;
        let kept = events
            .iter()
            .enumerate()
            .take_while(|(index, (event, _))| *index == 0 || event.step <= last_step as i64)
            .last()
            .map_or(0, |(_, (_, end))| *end);
        let length = fs::metadata(&path)
            .map_err(|e| Error::io("reading", &path, e))?
            .len();
        if kept < length {
            let file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| Error::io("opening", &path, e))?;
            file.set_len(kept)
                .map_err(|e| Error::io("truncating", &path, e))?;
        }
    }
    Ok(())
}

/// Appends the TFRecord framing of `data` to `out`.
fn frame(data: &[u8], out: &mut Vec<u8>) {
    let length = (data.len() as u64).to_le_bytes();
    out.extend_from_slice(&length);
    out.extend_from_slice(&masked_crc(&length).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
}

/// The event framed at `at` in `bytes` and the offset after it; `None` at the end, for a
/// record cut short, or for one whose checksums or encoding do not hold.
fn record_at(bytes: &[u8], at: usize) -> Option<(Event, usize)> {
    let header = bytes.get(at..at + HEADER_BYTES)?;
    let (length, length_crc) = header.split_at(8);
    if masked_crc(length).to_le_bytes() != length_crc {
        return None;
    }
    let length = usize::try_from(u64::from_le_bytes(length.try_into().ok()?)).ok()?;
    let start = at + HEADER_BYTES;
    let end = start.checked_add(length)?;
    let data = bytes.get(start..end)?;
    let data_crc = bytes.get(end..end + 4)?;
    if masked_crc(data).to_le_bytes() != data_crc {
        return None;
    }
    Event::decode(data).ok().map(|event| (event, end + 4))
}

/// The TFRecord checksum: CRC-32C, rotated right by 15 bits, plus a constant (so that a
/// checksum of data holding checksums stays well mixed).
fn masked_crc(data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(data);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// The seconds in the name of an event file lsgan wrote
/// (`events.out.tfevents.SECONDS.HOST.PID`).
fn seconds_in_name(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix(EVENT_FILE_PREFIX)?
        .split('.')
        .next()?
        .parse()
        .ok()
}

/// This machine's name, for event files' names (`localhost` when it cannot be read).
fn host_name() -> String {
    let mut buffer = [0u8; 256];
    // SAFETY: gethostname writes at most `buffer.len()` bytes into the buffer it is given.
    let status = unsafe { libc::gethostname(buffer.as_mut_ptr().cast(), buffer.len()) };
    let length = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    let name = String::from_utf8_lossy(&buffer[..length]).replace(['/', '.'], "_");
    if status != 0 || name.is_empty() {
        "localhost".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::event_proto::{Summary, SummaryValue, Value};

    fn scalar(step: i64, value: f32) -> Event {
        Event {
            wall_time: 1.0,
            step,
            what: Some(What::Summary(Summary {
                value: vec![SummaryValue {
                    tag: "losses/x".into(),
                    metadata: None,
                    value: Some(Value::SimpleValue(value)),
                }],
            })),
        }
    }

    #[test]
    fn the_masked_checksum_is_tfrecords() {
        // CRC-32C of "123456789" is 0xE3069283 (RFC 3720's check value); masked as TFRecord
        // masks it: rotated right by 15 bits (0x2507c60d), plus 0xa282ead8.
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283);
        assert_eq!(masked_crc(b"123456789"), 0xc78a_b0e5);
    }

    #[test]
    fn events_read_back_and_a_resume_cuts_the_steps_after_its_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let file = EventFile::create(dir.path()).unwrap();
        file.append(&[scalar(100, 1.5), scalar(200, 2.5)]).unwrap();
        file.append(&[scalar(300, 3.5)]).unwrap();
        // A write the process was killed in: half a record.
        let torn = {
            let mut bytes = Vec::new();
            frame(&scalar(400, 4.5).encode_to_vec(), &mut bytes);
            bytes.truncate(bytes.len() / 2);
            bytes
        };
        let mut raw = OpenOptions::new().append(true).open(file.path()).unwrap();
        raw.write_all(&torn).unwrap();
        let steps = |path: &Path| -> Vec<i64> {
            read_events(path)
                .unwrap()
                .iter()
                .map(|(event, _)| event.step)
                .collect()
        };
        assert_eq!(steps(file.path()), [0, 100, 200, 300]);
        keep_events_up_to(dir.path(), 200).unwrap();
        assert_eq!(steps(file.path()), [0, 100, 200]);
        let (last, end) = read_events(file.path()).unwrap().pop().unwrap();
        assert_eq!(last, scalar(200, 2.5));
        assert_eq!(fs::metadata(file.path()).unwrap().len(), end);

        // The next process's file sorts after the first.
        let next = EventFile::create(dir.path()).unwrap();
        assert_eq!(
            event_files(dir.path()).unwrap(),
            [file.path().to_path_buf(), next.path().to_path_buf()]
        );
    }
}
