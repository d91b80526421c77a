//! Named tensors in safetensors files for the metrics (feature statistics, reference features,
//! classifier weights): reads whose errors name the file, and writes that go through a
//! temporary file and a rename, so that a crash or two processes filling one cache never
//! leave a half-written file behind.

use std::fs::{self, File};
use std::path::Path;

use tch::{Device, Tensor};

use crate::error::{Error, Result};

/// All tensors of the safetensors file `path`.
pub fn read(path: &Path) -> Result<Vec<(String, Tensor)>> {
    if !path.is_file() {
        return Err(Error::bad_input(format!(
            "{}: no such file",
            path.display()
        )));
    }
    Tensor::read_safetensors(path).map_err(|e| {
        Error::bad_input(format!(
            "{}: not a readable safetensors file ({e})",
            path.display()
        ))
    })
}

/// Writes `tensors` (moved to the CPU, made contiguous) to `path`, creating its folder.
pub fn write_atomically(tensors: &[(String, Tensor)], path: &Path) -> Result<()> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(folder).map_err(|e| Error::io("creating folder", folder, e))?;
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{file_name}.{}.partial", std::process::id()));
    let tensors: Vec<(String, Tensor)> = tensors
        .iter()
        .map(|(name, tensor)| (name.clone(), tensor.to_device(Device::Cpu).contiguous()))
        .collect();
    let written = Tensor::write_safetensors(&tensors, &temporary)
        .map_err(|e| Error::bad_input(format!("writing {}: {e}", temporary.display())))
        .and_then(|()| {
            File::open(&temporary)
                .and_then(|file| file.sync_all())
                .map_err(|e| Error::io("syncing", &temporary, e))
        })
        .and_then(|()| fs::rename(&temporary, path).map_err(|e| Error::io("renaming", path, e)));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors_name_the_file() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("deeper").join("t.safetensors");
        let tensors = vec![("x".to_string(), Tensor::from_slice(&[1.0f64, 2.0]))];
        write_atomically(&tensors, &path).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back[0].0, "x");
        assert!(back[0].1.equal(&tensors[0].1));
        let garbage = folder.path().join("garbage.safetensors");
        fs::write(&garbage, b"not a tensor file").unwrap();
        let error = read(&garbage).unwrap_err().to_string();
        assert!(error.contains("garbage.safetensors"), "{error}");
        let error = read(&folder.path().join("none.safetensors"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("none.safetensors"), "{error}");
    }
}
