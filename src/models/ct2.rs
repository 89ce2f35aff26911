//! Reader for CTranslate2 `model.bin` files (the "faster-whisper" format).
//!
//! Layout, all little-endian: `u32` version, string spec name, `u32` revision,
//! `u32` variable count, then each variable as string name, `u8` rank,
//! `u32` dims x rank, `u8` dtype, `u32` byte count, raw data; then `u32` alias
//! count and (alias, target) string pairs. Strings are a `u16` length
//! (trailing NUL included) followed by the bytes.

use std::collections::BTreeMap;
use std::path::Path;

use super::ModelError;

/// Element type of a stored variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    /// 32-bit float.
    F32,
    /// 8-bit integer.
    I8,
    /// 16-bit integer.
    I16,
    /// 32-bit integer.
    I32,
    /// IEEE half float.
    F16,
}

impl DType {
    fn from_code(code: u8) -> Option<DType> {
        Some(match code {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            _ => return None,
        })
    }

    fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }
}

/// One named array from the file.
#[derive(Debug, Clone)]
pub struct Variable {
    /// Dimensions, outermost first (row-major, as PyTorch lists them).
    pub dims: Vec<usize>,
    /// Element type.
    pub dtype: DType,
    /// Raw little-endian bytes.
    pub data: Vec<u8>,
}

impl Variable {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// True when the variable holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values converted to `f32` (floats only).
    pub fn to_f32(&self) -> Option<Vec<f32>> {
        match self.dtype {
            DType::F32 => Some(
                self.data
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
            ),
            DType::F16 => Some(
                self.data
                    .chunks_exact(2)
                    .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                    .collect(),
            ),
            _ => None,
        }
    }

    /// A scalar integer (used for `num_heads` and friends).
    pub fn scalar_int(&self) -> Option<i64> {
        let b = &self.data;
        match (self.dtype, b.len()) {
            (DType::I8, 1) => Some(b[0] as i8 as i64),
            (DType::I16, 2) => Some(i16::from_le_bytes([b[0], b[1]]) as i64),
            (DType::I32, 4) => Some(i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64),
            _ => None,
        }
    }
}

/// A parsed `model.bin`.
#[derive(Debug)]
pub struct Ct2Model {
    /// Spec name, `WhisperSpec` for Whisper models.
    pub spec: String,
    /// Variables by name; aliases are not included.
    pub variables: BTreeMap<String, Variable>,
}

impl Ct2Model {
    /// Reads and parses `path`.
    pub fn read(path: &Path) -> Result<Ct2Model, ModelError> {
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_owned(),
            error: source,
        })?;
        Ct2Model::parse(&bytes).map_err(|message| ModelError::BadCt2 {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses the bytes of a `model.bin`.
    pub fn parse(bytes: &[u8]) -> Result<Ct2Model, String> {
        let mut r = Reader { bytes, pos: 0 };
        let version = r.u32()?;
        if !(5..=6).contains(&version) {
            return Err(format!("unsupported CTranslate2 binary version {version}"));
        }
        let spec = r.string()?;
        let _revision = r.u32()?;
        let n_variables = r.u32()?;
        let mut variables = BTreeMap::new();
        for _ in 0..n_variables {
            let name = r.string()?;
            let rank = r.u8()? as usize;
            let mut dims = Vec::with_capacity(rank);
            for _ in 0..rank {
                dims.push(r.u32()? as usize);
            }
            let code = r.u8()?;
            let dtype = DType::from_code(code)
                .ok_or_else(|| format!("variable {name}: unknown dtype code {code}"))?;
            let n_bytes = r.u32()? as usize;
            let expected = dims
                .iter()
                .try_fold(dtype.size(), |n, &d| n.checked_mul(d))
                .ok_or_else(|| format!("variable {name}: dims {dims:?} are too large"))?;
            if n_bytes != expected {
                return Err(format!(
                    "variable {name}: {n_bytes} bytes for dims {dims:?}, expected {expected}"
                ));
            }
            let data = r.take(n_bytes)?.to_vec();
            variables.insert(name, Variable { dims, dtype, data });
        }
        // Aliases follow (e.g. the tied output projection); the converter
        // does not need them, but a file cut short before them is corrupt.
        let n_aliases = r.u32()?;
        for _ in 0..n_aliases {
            r.string()?;
            r.string()?;
        }
        Ok(Ct2Model { spec, variables })
    }

    /// Looks up a variable or says which one is missing.
    pub fn get(&self, name: &str) -> Result<&Variable, String> {
        self.variables
            .get(name)
            .ok_or_else(|| format!("variable {name} is missing"))
    }

    /// Number of `layer_N` blocks under `prefix` (`encoder` or `decoder`).
    pub fn n_layers(&self, prefix: &str) -> usize {
        (0..)
            .take_while(|i| {
                self.variables
                    .contains_key(&format!("{prefix}/layer_{i}/ffn/layer_norm/gamma"))
            })
            .count()
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| format!("file ends early at byte {} (truncated?)", self.pos))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<String, String> {
        let b = self.take(2)?;
        let n = u16::from_le_bytes([b[0], b[1]]) as usize;
        let raw = self.take(n)?;
        let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
        String::from_utf8(raw.to_vec()).map_err(|_| "a name is not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
        out.push(0);
    }

    fn tiny_file() -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&6u32.to_le_bytes());
        string(&mut out, "WhisperSpec");
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&2u32.to_le_bytes());
        string(&mut out, "encoder/num_heads");
        out.push(0);
        out.push(2);
        out.extend_from_slice(&2u32.to_le_bytes());
        out.extend_from_slice(&6i16.to_le_bytes());
        string(&mut out, "w");
        out.push(2);
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&2u32.to_le_bytes());
        out.push(4);
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&half::f16::from_f32(1.5).to_le_bytes());
        out.extend_from_slice(&half::f16::from_f32(-2.0).to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        string(&mut out, "alias");
        string(&mut out, "w");
        out
    }

    #[test]
    fn parses_scalars_tensors_and_aliases() {
        let model = Ct2Model::parse(&tiny_file()).unwrap();
        assert_eq!(model.spec, "WhisperSpec");
        assert_eq!(
            model.get("encoder/num_heads").unwrap().scalar_int(),
            Some(6)
        );
        let w = model.get("w").unwrap();
        assert_eq!(w.dims, vec![1, 2]);
        assert_eq!(w.to_f32().unwrap(), vec![1.5, -2.0]);
        assert!(model.get("alias").is_err());
    }

    #[test]
    fn truncated_file_is_an_error_at_every_cut() {
        let bytes = tiny_file();
        for cut in 0..bytes.len() {
            assert!(Ct2Model::parse(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}
