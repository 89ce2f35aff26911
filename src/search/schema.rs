//! The index's schema, built once, and the version that guards it.
//!
//! Field names appear only here: everything else holds [`Fields`] handles.

use tantivy::schema::{
    DateOptions, DateTimePrecision, FacetOptions, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions, FAST, INDEXED, STORED,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer};
use tantivy::Index;

/// Version of the index layout: the schema, the tokenizers and what goes in
/// each field. Bump it whenever any of them changes, so an index written by
/// an older blameless is rebuilt from the store instead of being misread.
pub const SCHEMA_VERSION: u32 = 3;

/// Stemmed English analyzer (tantivy's built-in: split on non-alphanumerics,
/// drop tokens over 40 bytes, lower-case, Snowball English stemmer).
const STEMMED: &str = "en_stem";
/// Unstemmed analyzer for quoted phrases: tantivy's `default` (as above
/// without the stemmer).
const EXACT: &str = "default";
/// Whole value, lower-cased: speaker names match whatever case is typed.
const NAME: &str = "blameless_name";

/// Handles of every field, so no other code looks a field up by name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Meeting id, whole (filters, deletes, aggregation).
    pub meeting_id: Field,
    /// Meeting title, stemmed (searchable as `title:...`).
    pub title: Field,
    /// Meeting start (range filters).
    pub date: Field,
    /// Turn number within the meeting.
    pub turn: Field,
    /// Speaker (or source) name: indexed lower-cased, stored and fast as given.
    pub speaker: Field,
    /// What `--speaker` matches, lower-cased: the whole name, its first
    /// word ("dan" for "Dan Rivera") and the speaker id (`s2`). Not stored.
    pub speaker_keys: Field,
    /// Start, seconds from the meeting start.
    pub start: Field,
    /// End, seconds from the meeting start.
    pub end: Field,
    /// What was said, stemmed: the default search field.
    pub text: Field,
    /// What was said, unstemmed: quoted phrases search here.
    pub text_exact: Field,
    /// Tags as facets, `/blame`, `/defensive`, ...
    pub tags: Field,
    /// Whether the turn holds an action item.
    pub action: Field,
    /// The facilitator's marks on the turn as facets, `/dismissed`,
    /// `/key_moment`, ... (from the meeting's `feedback.jsonl`).
    pub marks: Field,
}

/// Field names, also the names users type in queries (`speaker:lena`).
pub(crate) mod names {
    pub const MEETING_ID: &str = "meeting_id";
    pub const TITLE: &str = "title";
    pub const DATE: &str = "date";
    pub const TURN: &str = "turn";
    pub const SPEAKER: &str = "speaker";
    pub const START: &str = "start";
    pub const END: &str = "end";
    pub const TEXT: &str = "text";
    pub const TEXT_EXACT: &str = "exact";
    pub const TAGS: &str = "tags";
    pub const ACTION: &str = "action";
    pub const SPEAKER_KEYS: &str = "speaker_keys";
    pub const MARKS: &str = "marks";
}

/// Builds the schema and its field handles.
pub(crate) fn build() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let whole = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_fieldnorms(false)
                .set_index_option(IndexRecordOption::Basic),
        )
        .set_stored()
        .set_fast("raw");
    let meeting_id = builder.add_text_field(names::MEETING_ID, whole.clone());
    let title = builder.add_text_field(
        names::TITLE,
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(STEMMED)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored(),
    );
    let date = builder.add_date_field(
        names::DATE,
        DateOptions::default()
            .set_indexed()
            .set_stored()
            .set_fast()
            .set_precision(DateTimePrecision::Seconds),
    );
    let turn = builder.add_u64_field(names::TURN, STORED);
    let speaker = builder.add_text_field(
        names::SPEAKER,
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(NAME)
                    .set_fieldnorms(false)
                    .set_index_option(IndexRecordOption::Basic),
            )
            .set_stored()
            // Fast values keep the case as spoken for `--count-by speaker`.
            .set_fast("raw"),
    );
    let seconds = NumericOptions::default().set_stored();
    let start = builder.add_f64_field(names::START, seconds.clone());
    let end = builder.add_f64_field(names::END, seconds);
    let text = builder.add_text_field(
        names::TEXT,
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(STEMMED)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
            .set_stored(),
    );
    // Not stored: the stored `text` is the same string.
    let text_exact = builder.add_text_field(
        names::TEXT_EXACT,
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(EXACT)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    let tags = builder.add_facet_field(names::TAGS, FacetOptions::default().set_stored());
    let action = builder.add_bool_field(names::ACTION, INDEXED | STORED | FAST);
    let speaker_keys = builder.add_text_field(
        names::SPEAKER_KEYS,
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(NAME)
                .set_fieldnorms(false)
                .set_index_option(IndexRecordOption::Basic),
        ),
    );
    let marks = builder.add_facet_field(names::MARKS, FacetOptions::default().set_stored());
    let fields = Fields {
        meeting_id,
        title,
        date,
        turn,
        speaker,
        speaker_keys,
        start,
        end,
        text,
        text_exact,
        tags,
        action,
        marks,
    };
    (builder.build(), fields)
}

/// Registers the analyzers the schema names that tantivy does not know by
/// default; tokenizers are not stored in the index, so every open needs this.
pub(crate) fn register_tokenizers(index: &Index) {
    index.tokenizers().register(
        NAME,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_survives_a_json_round_trip() {
        // The version check compares the stored schema with this one.
        let (schema, _) = build();
        let json = serde_json::to_string(&schema).unwrap();
        let back: Schema = serde_json::from_str(&json).unwrap();
        assert_eq!(back, schema);
    }
}
