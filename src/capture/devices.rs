//! Listing input devices, and finding the one a user named.

use cpal::traits::{DeviceTrait, HostTrait};

use super::CaptureError;

/// The format a device captures in by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFormat {
    /// Sample type of the raw device data (`i16`, `f32`, ...).
    pub sample_format: cpal::SampleFormat,
    /// Frames per second.
    pub sample_rate: u32,
    /// Interleaved channels per frame.
    pub n_channels: u16,
}

impl std::fmt::Display for StreamFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} Hz, {} channel{}, {}",
            self.sample_rate,
            self.n_channels,
            if self.n_channels == 1 { "" } else { "s" },
            self.sample_format
        )
    }
}

/// One input device, as [`list_devices`] reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceInfo {
    /// The host's own name for the device, what [`super::open`] matches
    /// first: the ALSA PCM name on Linux (`default`, `pulse`,
    /// `hw:CARD=0,DEV=0`, or a name from an asoundrc).
    pub name: String,
    /// cpal's stable id, `host:name` (e.g. `alsa:default`).
    pub id: String,
    /// Human-readable description (card, device, purpose), one line.
    pub description: String,
    /// The format the device captures in by default, or `None` if the
    /// device could not be opened to ask (see `problem`).
    pub default_format: Option<StreamFormat>,
    /// Why `default_format` is missing (busy, unplugged, output only ...).
    pub problem: Option<String>,
    /// This is the system's default input.
    pub is_default: bool,
    /// A monitor source: it carries what the computer plays (PulseAudio and
    /// PipeWire name these "Monitor of ..."), so recording it captures the
    /// far side of a call.
    pub is_monitor: bool,
}

/// The input devices of the default audio host, in the host's order.
///
/// Each device is opened briefly to read its default format; a device that
/// cannot be opened is still listed, with [`DeviceInfo::problem`] set.
pub fn list_devices() -> Result<Vec<DeviceInfo>, CaptureError> {
    let host = host()?;
    let default_id = host
        .default_input_device()
        .and_then(|device| device.id().ok());
    let devices = host
        .input_devices()
        .map_err(|error| CaptureError::Enumerate {
            detail: error.to_string(),
        })?;
    Ok(devices
        .map(|device| describe(&device, default_id.as_ref()))
        .collect())
}

/// The first audio host that starts: the platform's default (ALSA on Linux).
/// Unlike `cpal::default_host`, a broken ALSA setup is an error, not a panic.
pub(super) fn host() -> Result<cpal::Host, CaptureError> {
    let mut detail = "no audio host is compiled in".to_string();
    for id in cpal::available_hosts() {
        match cpal::host_from_id(id) {
            Ok(host) => return Ok(host),
            Err(error) => detail = error.to_string(),
        }
    }
    Err(CaptureError::Host { detail })
}

/// Builds the [`DeviceInfo`] of one device.
fn describe(device: &cpal::Device, default_id: Option<&cpal::DeviceId>) -> DeviceInfo {
    let (name, id) = names(device);
    let description = device
        .description()
        .map(|description| describe_text(&description))
        .unwrap_or_default();
    let (default_format, problem) = match device.default_input_config() {
        Ok(config) => (
            Some(StreamFormat {
                sample_format: config.sample_format(),
                sample_rate: config.sample_rate(),
                n_channels: config.channels(),
            }),
            None,
        ),
        Err(error) => (None, Some(error.to_string())),
    };
    let is_default =
        default_id.is_some_and(|default_id| device.id().ok().as_ref() == Some(default_id));
    let is_monitor = is_monitor(&name, &description);
    DeviceInfo {
        name,
        id,
        description,
        default_format,
        problem,
        is_default,
        is_monitor,
    }
}

/// The host-specific name and the full cpal id of a device.
pub(super) fn names(device: &cpal::Device) -> (String, String) {
    match device.id() {
        Ok(id) => (id.id().to_string(), id.to_string()),
        // No id: fall back on the display name so the device is still usable.
        Err(_) => {
            let name = device.to_string();
            (name.clone(), name)
        }
    }
}

/// One line: the extended description lines joined, or the plain name.
fn describe_text(description: &cpal::DeviceDescription) -> String {
    let lines: Vec<&str> = description.extended().collect();
    if lines.is_empty() {
        description.name().to_string()
    } else {
        lines.join("; ")
    }
}

/// Monitor sources carry system audio; PulseAudio and PipeWire say so in the
/// name or description.
fn is_monitor(name: &str, description: &str) -> bool {
    let monitor = "monitor";
    name.to_lowercase().contains(monitor) || description.to_lowercase().contains(monitor)
}

/// Picks the device the user meant: an exact name, id or description first,
/// then a case-insensitive substring that matches exactly one device.
///
/// `candidates` holds each device's (name, id, description); the result is
/// an index into it.
pub(super) fn match_device(
    wanted: &str,
    candidates: &[(String, String, String)],
) -> Result<usize, CaptureError> {
    let exact = |text: &String| text == wanted;
    if let Some(index) = candidates
        .iter()
        .position(|(name, id, _)| exact(name) || exact(id))
    {
        return Ok(index);
    }
    if let Some(index) = candidates
        .iter()
        .position(|(_, _, description)| exact(description))
    {
        return Ok(index);
    }
    let needle = wanted.to_lowercase();
    let matches: Vec<usize> = candidates
        .iter()
        .enumerate()
        .filter(|(_, (name, id, description))| {
            [name, id, description]
                .iter()
                .any(|text| text.to_lowercase().contains(&needle))
        })
        .map(|(index, _)| index)
        .collect();
    match matches.as_slice() {
        [] => Err(CaptureError::NoSuchDevice {
            name: wanted.to_string(),
        }),
        [only] => Ok(*only),
        several => Err(CaptureError::Ambiguous {
            name: wanted.to_string(),
            candidates: several
                .iter()
                .filter_map(|&index| candidates.get(index))
                .map(|(name, _, _)| format!("\"{name}\""))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Finds the device to capture from: the default input for `None`, else
/// the one [`match_device`] picks among the input devices.
pub(super) fn find_device(
    host: &cpal::Host,
    wanted: Option<&str>,
) -> Result<cpal::Device, CaptureError> {
    let Some(wanted) = wanted else {
        return host
            .default_input_device()
            .ok_or(CaptureError::NoDefaultDevice);
    };
    let devices: Vec<cpal::Device> = host
        .input_devices()
        .map_err(|error| CaptureError::Enumerate {
            detail: error.to_string(),
        })?
        .collect();
    let candidates: Vec<(String, String, String)> = devices
        .iter()
        .map(|device| {
            let (name, id) = names(device);
            let description = device
                .description()
                .map(|description| description.name().to_string())
                .unwrap_or_default();
            (name, id, description)
        })
        .collect();
    let index = match_device(wanted, &candidates)?;
    devices
        .into_iter()
        .nth(index)
        .ok_or_else(|| CaptureError::NoSuchDevice {
            name: wanted.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates() -> Vec<(String, String, String)> {
        [
            ("default", "alsa:default", "Default Audio Device"),
            ("pulse", "alsa:pulse", "PulseAudio Sound Server"),
            (
                "hw:CARD=0,DEV=0",
                "alsa:hw:CARD=0,DEV=0",
                "HDA Intel PCH, ALC892 Analog",
            ),
            (
                "monitor_of_speakers",
                "alsa:monitor_of_speakers",
                "Monitor of Built-in Audio",
            ),
        ]
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
    }

    #[test]
    fn exact_name_id_and_description_match() {
        let candidates = candidates();
        assert_eq!(match_device("pulse", &candidates).ok(), Some(1));
        assert_eq!(
            match_device("alsa:hw:CARD=0,DEV=0", &candidates).ok(),
            Some(2)
        );
        assert_eq!(
            match_device("Default Audio Device", &candidates).ok(),
            Some(0)
        );
    }

    #[test]
    fn unique_substring_matches_ignoring_case() {
        let candidates = candidates();
        assert_eq!(match_device("alc892", &candidates).ok(), Some(2));
        assert_eq!(match_device("MONITOR", &candidates).ok(), Some(3));
    }

    #[test]
    fn ambiguous_substring_names_the_candidates() {
        let error = match_device("audio", &candidates()).expect_err("ambiguous");
        let message = error.to_string();
        assert!(matches!(error, CaptureError::Ambiguous { .. }), "{error:?}");
        assert!(message.contains("\"default\""), "{message}");
        assert!(message.contains("\"pulse\""), "{message}");
        assert!(message.contains("run `blameless devices`"), "{message}");
    }

    #[test]
    fn a_miss_says_what_to_do() {
        let error = match_device("USB Mic", &candidates()).expect_err("no match");
        assert_eq!(
            error.to_string(),
            "no input device \"USB Mic\"; run `blameless devices`"
        );
    }

    #[test]
    fn monitors_are_recognised_by_name_or_description() {
        assert!(is_monitor("alsa_output.pci.monitor", ""));
        assert!(is_monitor("x", "Monitor of Built-in Audio"));
        assert!(!is_monitor("hw:CARD=0,DEV=0", "HDA Intel PCH"));
    }
}
