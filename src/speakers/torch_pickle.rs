//! A reader for PyTorch checkpoints, enough for Resemblyzer's legacy
//! `pretrained.pt` and the zip-format segmentation checkpoint in whisperx.
//!
//! The legacy format is five things in a row: a pickled magic number, a
//! pickled protocol version, pickled system information, the pickled object
//! itself (tensors refer to storages by a persistent id), a pickled list of
//! storage keys, and then each storage as a little-endian `u64` element count
//! followed by its raw data. This module runs a small pickle machine that
//! knows the opcodes `torch.save` writes and builds tensors from
//! `torch._utils._rebuild_tensor_v2` calls; it never imports or runs
//! anything, whatever the file says.
//!
//! The zip format (PyTorch 1.6 and later) holds the same pickle as
//! `<name>/data.pkl` and each storage as its own file `<name>/data/<key>`.

use std::collections::HashMap;

/// The only magic number legacy checkpoints carry.
const MAGIC: i128 = 0x1950a86a20f9469cfc6c;

/// A float32 tensor read from a checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Dimensions, outermost first.
    pub shape: Vec<usize>,
    /// Elements in row-major order.
    pub data: Vec<f32>,
}

/// A pickled value, as far as checkpoints need.
#[derive(Debug, Clone)]
enum Value {
    None,
    Int(i128),
    Str(String),
    Tuple(Vec<Value>),
    List(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A class or function named by `GLOBAL`.
    Global(String, String),
    /// A storage reference: (dtype name, key, element count).
    Storage(String, String),
    /// A tensor not yet backed by data: storage key, dtype, offset, shape, strides.
    Tensor {
        key: String,
        dtype: String,
        offset: usize,
        shape: Vec<usize>,
        stride: Vec<usize>,
    },
    /// The result of calling something this reader does not model.
    Opaque,
    Mark,
}

/// Reads a legacy checkpoint and returns the float32 tensors of the dictionary
/// found under `key` at the top level (for Resemblyzer: `model_state`).
pub fn read_state_dict(bytes: &[u8], key: &str) -> Result<HashMap<String, Tensor>, String> {
    let mut input = Input { bytes, pos: 0 };
    match unpickle(&mut input)? {
        Value::Int(MAGIC) => {}
        other => {
            return Err(format!(
                "not a legacy PyTorch checkpoint (magic {other:?}); only torch.save files written before PyTorch 1.6 are read here"
            ))
        }
    }
    let _protocol = unpickle(&mut input)?;
    let _system = unpickle(&mut input)?;
    let top = unpickle(&mut input)?;
    let keys = match unpickle(&mut input)? {
        Value::List(keys) => keys
            .into_iter()
            .map(|k| match k {
                Value::Str(s) => Ok(s),
                other => Err(format!("storage key {other:?} is not a string")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        other => {
            return Err(format!(
                "expected the list of storage keys, found {other:?}"
            ))
        }
    };
    let mut storages: HashMap<String, &[u8]> = HashMap::new();
    for k in keys {
        let n = u64::from_le_bytes(input.take(8)?.try_into().expect("8 bytes")) as usize;
        // Every storage is read past, whatever its type; only float ones are used.
        // Element sizes are not stored, so a non-float storage would misalign the
        // rest: Resemblyzer's checkpoint has only float storages (the optimizer's
        // `step` is a Python int), and a mismatch shows up as a bad length below.
        let data = input.take(n.checked_mul(4).ok_or("storage size overflows")?)?;
        storages.insert(k, data);
    }
    if input.pos != bytes.len() {
        return Err(format!(
            "{} bytes left after the last storage; the file holds storages that are not float32",
            bytes.len() - input.pos
        ));
    }
    tensors_under(top, key, |k| storages.get(k).copied())
}

/// Reads a zip-format checkpoint (`torch.save` since PyTorch 1.6: a zip
/// archive holding `<name>/data.pkl` and one `<name>/data/<key>` file per
/// storage) and returns the float32 tensors of the dictionary found under
/// `key` at the top level (for a Lightning checkpoint: `state_dict`).
pub fn read_zip_state_dict(bytes: &[u8], key: &str) -> Result<HashMap<String, Tensor>, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a zip-format PyTorch checkpoint: {e}"))?;
    let pickle_name = zip
        .file_names()
        .find(|n| n.ends_with("/data.pkl") && n.matches('/').count() == 1)
        .map(str::to_string)
        .ok_or("no data.pkl in the checkpoint")?;
    let prefix = pickle_name.trim_end_matches("data.pkl").to_string();
    let read = |zip: &mut zip::ZipArchive<_>, name: &str| -> Result<Vec<u8>, String> {
        let mut entry = zip.by_name(name).map_err(|e| format!("{name}: {e}"))?;
        let mut out = Vec::with_capacity(entry.size() as usize);
        std::io::Read::read_to_end(&mut entry, &mut out).map_err(|e| format!("{name}: {e}"))?;
        Ok(out)
    };
    let pickle = read(&mut zip, &pickle_name)?;
    let top = unpickle(&mut Input {
        bytes: &pickle,
        pos: 0,
    })?;
    let mut storages: HashMap<String, Vec<u8>> = HashMap::new();
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| {
            n.strip_prefix(&format!("{prefix}data/"))
                .map(str::to_string)
        })
        .collect();
    for name in names {
        let data = read(&mut zip, &format!("{prefix}data/{name}"))?;
        storages.insert(name, data);
    }
    tensors_under(top, key, |k| storages.get(k).map(Vec::as_slice))
}

/// The float32 tensors of the dictionary under `key` in the unpickled
/// `top`, their data looked up by storage key.
fn tensors_under<'s>(
    top: Value,
    key: &str,
    storage: impl Fn(&str) -> Option<&'s [u8]>,
) -> Result<HashMap<String, Tensor>, String> {
    let Value::Dict(items) = top else {
        return Err("the checkpoint is not a dictionary".into());
    };
    let state = items
        .into_iter()
        .find_map(|(k, v)| matches!(&k, Value::Str(s) if s == key).then_some(v))
        .ok_or_else(|| format!("no {key:?} in the checkpoint"))?;
    let Value::Dict(state) = state else {
        return Err(format!("{key:?} is not a dictionary"));
    };
    let mut out = HashMap::new();
    for (name, value) in state {
        let (
            Value::Str(name),
            Value::Tensor {
                key,
                dtype,
                offset,
                shape,
                stride,
            },
        ) = (name, value)
        else {
            continue;
        };
        if dtype != "FloatStorage" {
            return Err(format!("{name}: {dtype} tensors are not supported"));
        }
        let contiguous = shape
            .iter()
            .rev()
            .scan(1usize, |acc, &d| {
                let s = *acc;
                *acc *= d;
                Some(s)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .zip(&stride)
            .all(|(want, &got)| want == got || shape.contains(&1));
        if !contiguous {
            return Err(format!("{name}: strided tensors are not supported"));
        }
        let n: usize = shape.iter().product();
        let raw = storage(&key).ok_or_else(|| format!("{name}: storage {key} is missing"))?;
        let bytes = raw
            .get(offset * 4..(offset + n) * 4)
            .ok_or_else(|| format!("{name}: storage {key} is too short"))?;
        let data = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect();
        out.insert(name, Tensor { shape, data });
    }
    Ok(out)
}

struct Input<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).ok_or("length overflows")?;
        let out = self
            .bytes
            .get(self.pos..end)
            .ok_or_else(|| format!("file ends early (wanted {n} bytes at {})", self.pos))?;
        self.pos = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<usize, String> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().expect("2")) as usize)
    }
    fn u32(&mut self) -> Result<usize, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4")) as usize)
    }
    fn line(&mut self) -> Result<String, String> {
        let rest = &self.bytes[self.pos..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("unterminated line")?;
        let s = String::from_utf8_lossy(&rest[..n]).into_owned();
        self.pos += n + 1;
        Ok(s)
    }
}

fn as_usizes(v: &Value) -> Result<Vec<usize>, String> {
    match v {
        Value::Tuple(items) => items
            .iter()
            .map(|i| match i {
                Value::Int(n) if *n >= 0 => Ok(*n as usize),
                other => Err(format!("expected a size, found {other:?}")),
            })
            .collect(),
        other => Err(format!("expected a tuple of sizes, found {other:?}")),
    }
}

/// Calls `callable` with `args` where the reader knows what that means.
fn reduce(callable: Value, args: Value) -> Result<Value, String> {
    let Value::Global(module, name) = &callable else {
        return Ok(Value::Opaque);
    };
    match (module.as_str(), name.as_str()) {
        ("collections", "OrderedDict") => Ok(Value::Dict(Vec::new())),
        ("torch._utils", "_rebuild_tensor_v2") => {
            let Value::Tuple(args) = args else {
                return Err("_rebuild_tensor_v2 without arguments".into());
            };
            let (
                Some(Value::Storage(dtype, key)),
                Some(Value::Int(offset)),
                Some(shape),
                Some(stride),
            ) = (args.first(), args.get(1), args.get(2), args.get(3))
            else {
                return Err(format!("unexpected _rebuild_tensor_v2 arguments {args:?}"));
            };
            Ok(Value::Tensor {
                key: key.clone(),
                dtype: dtype.clone(),
                offset: usize::try_from(*offset).map_err(|e| e.to_string())?,
                shape: as_usizes(shape)?,
                stride: as_usizes(stride)?,
            })
        }
        _ => Ok(Value::Opaque),
    }
}

/// Runs the pickle machine from the current position to the next `STOP`.
fn unpickle(input: &mut Input) -> Result<Value, String> {
    let mut stack: Vec<Value> = Vec::new();
    let mut memo: HashMap<usize, Value> = HashMap::new();
    let pop = |stack: &mut Vec<Value>| stack.pop().ok_or_else(|| "stack underflow".to_string());
    let pop_mark = |stack: &mut Vec<Value>| -> Result<Vec<Value>, String> {
        let at = stack
            .iter()
            .rposition(|v| matches!(v, Value::Mark))
            .ok_or("no mark")?;
        let items = stack.split_off(at + 1);
        stack.pop();
        Ok(items)
    };
    loop {
        let op = input.u8()?;
        match op {
            0x80 => {
                input.u8()?; // PROTO
            }
            b'.' => return pop(&mut stack),
            b'(' => stack.push(Value::Mark),
            b'N' => stack.push(Value::None),
            // Booleans and floats (hyper-parameters) are not needed.
            0x88 | 0x89 => stack.push(Value::Opaque),
            b'J' => {
                let v = i32::from_le_bytes(input.take(4)?.try_into().expect("4"));
                stack.push(Value::Int(v as i128));
            }
            b'K' => stack.push(Value::Int(input.u8()? as i128)),
            b'M' => stack.push(Value::Int(input.u16()? as i128)),
            0x8a => {
                // LONG1: little-endian two's complement of n bytes.
                let n = input.u8()? as usize;
                let bytes = input.take(n)?;
                if n > 16 {
                    return Err("integer too large".into());
                }
                let mut v: i128 = 0;
                for (i, b) in bytes.iter().enumerate() {
                    v |= (*b as i128) << (8 * i);
                }
                if n > 0 && bytes[n - 1] & 0x80 != 0 {
                    v -= 1i128 << (8 * n);
                }
                stack.push(Value::Int(v));
            }
            b'G' => {
                input.take(8)?;
                stack.push(Value::Opaque);
            }
            b'X' => {
                let n = input.u32()?;
                stack.push(Value::Str(
                    String::from_utf8_lossy(input.take(n)?).into_owned(),
                ));
            }
            0x8c => {
                let n = input.u8()? as usize;
                stack.push(Value::Str(
                    String::from_utf8_lossy(input.take(n)?).into_owned(),
                ));
            }
            b'U' => {
                let n = input.u8()? as usize;
                stack.push(Value::Str(
                    String::from_utf8_lossy(input.take(n)?).into_owned(),
                ));
            }
            b'T' => {
                let n = input.u32()?;
                stack.push(Value::Str(
                    String::from_utf8_lossy(input.take(n)?).into_owned(),
                ));
            }
            b')' => stack.push(Value::Tuple(Vec::new())),
            b't' => {
                let items = pop_mark(&mut stack)?;
                stack.push(Value::Tuple(items));
            }
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                if stack.len() < n {
                    return Err("stack underflow".into());
                }
                let items = stack.split_off(stack.len() - n);
                stack.push(Value::Tuple(items));
            }
            b']' => stack.push(Value::List(Vec::new())),
            b'l' => {
                let items = pop_mark(&mut stack)?;
                stack.push(Value::List(items));
            }
            b'a' => {
                let v = pop(&mut stack)?;
                match stack.last_mut() {
                    Some(Value::List(l)) => l.push(v),
                    Some(Value::Opaque) => {}
                    _ => return Err("APPEND to a non-list".into()),
                }
            }
            b'e' => {
                let items = pop_mark(&mut stack)?;
                match stack.last_mut() {
                    Some(Value::List(l)) => l.extend(items),
                    Some(Value::Opaque) => {}
                    _ => return Err("APPENDS to a non-list".into()),
                }
            }
            b'}' => stack.push(Value::Dict(Vec::new())),
            b'd' => {
                let items = pop_mark(&mut stack)?;
                let mut pairs = Vec::new();
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    pairs.push((k, v));
                }
                stack.push(Value::Dict(pairs));
            }
            b's' => {
                let v = pop(&mut stack)?;
                let k = pop(&mut stack)?;
                match stack.last_mut() {
                    Some(Value::Dict(d)) => d.push((k, v)),
                    Some(Value::Opaque) => {}
                    _ => return Err("SETITEM on a non-dictionary".into()),
                }
            }
            b'u' => {
                let items = pop_mark(&mut stack)?;
                match stack.last_mut() {
                    Some(Value::Dict(d)) => {
                        let mut it = items.into_iter();
                        while let (Some(k), Some(v)) = (it.next(), it.next()) {
                            d.push((k, v));
                        }
                    }
                    Some(Value::Opaque) => {}
                    _ => return Err("SETITEMS on a non-dictionary".into()),
                }
            }
            b'c' => {
                let module = input.line()?;
                let name = input.line()?;
                stack.push(Value::Global(module, name));
            }
            0x93 => {
                let name = pop(&mut stack)?;
                let module = pop(&mut stack)?;
                match (module, name) {
                    (Value::Str(m), Value::Str(n)) => stack.push(Value::Global(m, n)),
                    _ => return Err("STACK_GLOBAL without names".into()),
                }
            }
            b'R' => {
                let args = pop(&mut stack)?;
                let callable = pop(&mut stack)?;
                stack.push(reduce(callable, args)?);
            }
            0x81 => {
                // NEWOBJ: cls.__new__(cls, *args); nothing checkpoints need.
                pop(&mut stack)?;
                pop(&mut stack)?;
                stack.push(Value::Opaque);
            }
            b'b' => {
                // BUILD sets state on the object below; the reader keeps none.
                pop(&mut stack)?;
            }
            b'Q' => {
                // BINPERSID: ('storage', torch.FloatStorage, key, location, numel[, view]).
                let pid = pop(&mut stack)?;
                let Value::Tuple(items) = pid else {
                    return Err("persistent id is not a tuple".into());
                };
                match (items.get(1), items.get(2)) {
                    (Some(Value::Global(_, dtype)), Some(Value::Str(key))) => {
                        stack.push(Value::Storage(dtype.clone(), key.clone()))
                    }
                    _ => return Err(format!("unexpected persistent id {items:?}")),
                }
            }
            b'q' => {
                let i = input.u8()? as usize;
                memo.insert(i, stack.last().ok_or("empty stack")?.clone());
            }
            b'r' => {
                let i = input.u32()?;
                memo.insert(i, stack.last().ok_or("empty stack")?.clone());
            }
            b'h' => {
                let i = input.u8()? as usize;
                stack.push(memo.get(&i).ok_or("bad memo reference")?.clone());
            }
            b'j' => {
                let i = input.u32()?;
                stack.push(memo.get(&i).ok_or("bad memo reference")?.clone());
            }
            b'0' => {
                pop(&mut stack)?;
            }
            other => {
                return Err(format!(
                    "pickle opcode 0x{other:02x} at byte {} is not supported",
                    input.pos - 1
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_a_legacy_checkpoint() {
        let err = read_state_dict(b"PK\x03\x04 a zip file", "model_state").unwrap_err();
        assert!(err.contains("opcode") || err.contains("magic"), "{err}");
        let err = read_state_dict(b"", "model_state").unwrap_err();
        assert!(err.contains("ends early"), "{err}");
    }

    #[test]
    fn reads_a_hand_made_checkpoint() {
        // magic, protocol, system info, {'model_state': OrderedDict(w=tensor([2,1]))},
        // ['0'], then storage '0' with 3 floats (the tensor starts at offset 1).
        let mut f = Vec::new();
        f.extend(b"\x80\x02\x8a\x0al\xfc\x9cF\xf9\x20j\xa8\x50\x19.");
        f.extend(b"\x80\x02M\xe9\x03.");
        f.extend(b"\x80\x02}q\x00.");
        f.extend(b"\x80\x02}q\x00X\x0b\x00\x00\x00model_stateq\x01ccollections\nOrderedDict\nq\x02)Rq\x03X\x01\x00\x00\x00wq\x04ctorch._utils\n_rebuild_tensor_v2\nq\x05((X\x07\x00\x00\x00storageq\x06ctorch\nFloatStorage\nq\x07X\x01\x00\x00\x000q\x08X\x03\x00\x00\x00cpuq\x09K\x03Ntq\x0aQK\x01K\x02K\x01\x86q\x0bK\x01K\x01\x86q\x0c\x89h\x02)Rq\x0dtq\x0eRq\x0fss.");
        f.extend(b"\x80\x02]q\x00X\x01\x00\x00\x000q\x01a.");
        f.extend(3u64.to_le_bytes());
        for x in [9.0f32, 1.5, -2.0] {
            f.extend(x.to_le_bytes());
        }
        let state = read_state_dict(&f, "model_state").unwrap();
        assert_eq!(
            state["w"],
            Tensor {
                shape: vec![2, 1],
                data: vec![1.5, -2.0]
            }
        );
    }
}
