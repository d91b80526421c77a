//! Checksums as text: the lower-case hexadecimal digits of a digest.

/// Lower-case hexadecimal digits of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn two_digits_per_byte() {
        assert_eq!(super::hex(&[0, 15, 255]), "000fff");
    }
}
