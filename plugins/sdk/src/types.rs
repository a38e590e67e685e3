//! The values of the contract, as Rust types, with builder methods on the ones plugins make.
//!
//! These are the types `wit-bindgen` generates from `wit/brand.wit` (records become structs
//! with public fields, variants and enums become enums), re-exported here under short names.
//! The WIT `error` variant is replaced by the SDK's own [`Error`](crate::Error).

pub use crate::bindings::liaison::brand0_1_0::host::Level;
pub use crate::bindings::liaison::brand0_1_0::types::{
    ActionResult, Audience, Block, CaseEvent, CaseQuery, CaseSummary, Context, Deputy, Field,
    FieldKind, Form, FormInput, Heading, Link, ListItem, NewCase, Notice, NoticeKind, Shift,
    StatCard, Table,
};

impl Context {
    /// A context by hand (the host makes the real ones; tests and helpers make their own).
    pub fn new(station: impl Into<String>, audience: Audience, locale: impl Into<String>) -> Self {
        Context {
            station: station.into(),
            audience,
            locale: locale.into(),
        }
    }

    /// Whether the person reads English; anything else is Chinese.
    pub fn is_en(&self) -> bool {
        self.locale == "en"
    }

    /// `zh` or `en`, after the context's locale.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.is_en() { en } else { zh }
    }
}

impl Audience {
    /// All audiences, in manifest order.
    pub const ALL: [Audience; 4] = [
        Audience::Resident,
        Audience::Deputy,
        Audience::Staff,
        Audience::Dashboard,
    ];

    /// The name used in manifests: `resident`, `deputy`, `staff` or `dashboard`.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Resident => "resident",
            Audience::Deputy => "deputy",
            Audience::Staff => "staff",
            Audience::Dashboard => "dashboard",
        }
    }

    /// The audience of a manifest name.
    pub fn from_name(name: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl FieldKind {
    /// The name used in manifests: `text`, `textarea`, `number`, `date`, `select`, `checkbox`
    /// or `phone`.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Textarea => "textarea",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Select => "select",
            FieldKind::Checkbox => "checkbox",
            FieldKind::Phone => "phone",
        }
    }

    /// The kind of a manifest name.
    pub fn from_name(name: &str) -> Option<FieldKind> {
        [
            FieldKind::Text,
            FieldKind::Textarea,
            FieldKind::Number,
            FieldKind::Date,
            FieldKind::Select,
            FieldKind::Checkbox,
            FieldKind::Phone,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

impl Heading {
    /// A heading of `level` (clamped to 1..=3).
    pub fn new(level: u8, text: impl Into<String>) -> Self {
        Heading {
            level: level.clamp(1, 3),
            text: text.into(),
        }
    }
}

impl StatCard {
    /// A card showing `value` under `label`.
    pub fn new(label: impl Into<String>, value: impl ToString) -> Self {
        StatCard {
            label: label.into(),
            value: value.to_string(),
            hint: None,
        }
    }

    /// Adds a short note under the value, e.g. "本月".
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl Table {
    /// An empty table with these column headings.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Self {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row of cells.
    pub fn row<S: ToString>(mut self, cells: impl IntoIterator<Item = S>) -> Self {
        self.rows
            .push(cells.into_iter().map(|c| c.to_string()).collect());
        self
    }
}

impl ListItem {
    /// A list item with a title only.
    pub fn new(title: impl Into<String>) -> Self {
        ListItem {
            title: title.into(),
            detail: None,
            href: None,
        }
    }

    /// Adds a line of detail.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Makes the item link to a path inside Liaison (beginning with "/").
    pub fn href(mut self, href: impl Into<String>) -> Self {
        self.href = Some(href.into());
        self
    }
}

impl Link {
    /// A link to a path inside Liaison (beginning with "/"; the host refuses other targets).
    pub fn new(text: impl Into<String>, href: impl Into<String>) -> Self {
        Link {
            text: text.into(),
            href: href.into(),
        }
    }
}

impl Notice {
    /// A notice of `kind`.
    pub fn new(kind: NoticeKind, text: impl Into<String>) -> Self {
        Notice {
            kind,
            text: text.into(),
        }
    }
}

impl Form {
    /// A form posting to the action `action` (an id from the manifest), with no fields yet.
    pub fn new(action: impl Into<String>, submit_label: impl Into<String>) -> Self {
        Form {
            action: action.into(),
            title: None,
            submit_label: submit_label.into(),
            fields: Vec::new(),
        }
    }

    /// Gives the form a title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Adds a field. Declare the same field (name, kind, required, maximum length, options)
    /// under the action in `plugin.toml`: the host validates against the manifest.
    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }
}

impl Field {
    /// An optional field of `kind`, with no options, no help and the host's default length.
    pub fn new(name: impl Into<String>, label: impl Into<String>, kind: FieldKind) -> Self {
        Field {
            name: name.into(),
            label: label.into(),
            kind,
            required: false,
            options: Vec::new(),
            max_length: 0,
            help: None,
        }
    }

    /// A one-line text field.
    pub fn text(name: impl Into<String>, label: impl Into<String>) -> Self {
        Field::new(name, label, FieldKind::Text)
    }

    /// A multi-line text field.
    pub fn textarea(name: impl Into<String>, label: impl Into<String>) -> Self {
        Field::new(name, label, FieldKind::Textarea)
    }

    /// A number field.
    pub fn number(name: impl Into<String>, label: impl Into<String>) -> Self {
        Field::new(name, label, FieldKind::Number)
    }

    /// A date field (YYYY-MM-DD).
    pub fn date(name: impl Into<String>, label: impl Into<String>) -> Self {
        Field::new(name, label, FieldKind::Date)
    }

    /// A choice among `options`, each a value and its label.
    pub fn select<V: Into<String>, L: Into<String>>(
        name: impl Into<String>,
        label: impl Into<String>,
        options: impl IntoIterator<Item = (V, L)>,
    ) -> Self {
        let mut field = Field::new(name, label, FieldKind::Select);
        field.options = options
            .into_iter()
            .map(|(v, l)| (v.into(), l.into()))
            .collect();
        field
    }

    /// A checkbox.
    pub fn checkbox(name: impl Into<String>, label: impl Into<String>) -> Self {
        Field::new(name, label, FieldKind::Checkbox)
    }

    /// A phone number field.
    pub fn phone(name: impl Into<String>, label: impl Into<String>) -> Self {
        Field::new(name, label, FieldKind::Phone)
    }

    /// Makes the field required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets the longest accepted text, in characters (0 means the host's default, 2000).
    pub fn max_length(mut self, max: u32) -> Self {
        self.max_length = max;
        self
    }

    /// Adds a line of help under the field.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds one choice to a select.
    pub fn option(mut self, value: impl Into<String>, label: impl Into<String>) -> Self {
        self.options.push((value.into(), label.into()));
        self
    }
}

impl ActionResult {
    /// An answer with a message only.
    pub fn message(message: impl Into<String>) -> Self {
        ActionResult {
            message: message.into(),
            view: None,
            case_id: None,
        }
    }

    /// Shows `view` after the message.
    pub fn with_view(mut self, view: impl Into<Vec<Block>>) -> Self {
        self.view = Some(view.into());
        self
    }

    /// Reports the case the action filed.
    pub fn with_case(mut self, case_id: i64) -> Self {
        self.case_id = Some(case_id);
        self
    }
}

impl CaseQuery {
    /// A query for the newest 50 cases, unfiltered.
    pub fn new() -> Self {
        CaseQuery {
            status: None,
            category: None,
            tag: None,
            text: None,
            limit: 50,
        }
    }

    /// Only cases in this state (e.g. "submitted").
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Only cases of this category code.
    pub fn category(mut self, category: impl Into<String>) -> Self {
        self.category = Some(category.into());
        self
    }

    /// Only cases carrying this tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }

    /// Only cases with these words in title or description.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// At most this many (the host caps it at 200).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }
}

impl Default for CaseQuery {
    fn default() -> Self {
        CaseQuery::new()
    }
}

impl NewCase {
    /// A case of `category` described by `description`.
    pub fn new(category: impl Into<String>, description: impl Into<String>) -> Self {
        NewCase {
            category: category.into(),
            title: None,
            description: description.into(),
            deputy: None,
            tags: Vec::new(),
        }
    }

    /// Gives it a title (the contract makes the title optional).
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Addresses it to a deputy of the station, by public code.
    pub fn deputy(mut self, code: impl Into<String>) -> Self {
        self.deputy = Some(code.into());
        self
    }

    /// Puts a tag on it at once.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
}

impl From<Heading> for Block {
    fn from(h: Heading) -> Self {
        Block::Heading(h)
    }
}

impl From<Table> for Block {
    fn from(t: Table) -> Self {
        Block::Table(t)
    }
}

impl From<Form> for Block {
    fn from(f: Form) -> Self {
        Block::Form(f)
    }
}

impl From<Link> for Block {
    fn from(l: Link) -> Self {
        Block::Link(l)
    }
}

impl From<Notice> for Block {
    fn from(n: Notice) -> Self {
        Block::Notice(n)
    }
}
