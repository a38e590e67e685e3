//! Building views. A view is data, a list of [`Block`]s, that the host draws in the site's own
//! design (HTML for people, JSON for the API); a plugin cannot inject markup or script.
//!
//! Either build the list with the short functions here:
//!
//! ```
//! use liaison_sdk::view;
//! let blocks = vec![view::heading(1, "路南"), view::text("欢迎")];
//! # assert_eq!(blocks.len(), 2);
//! ```
//!
//! or with the [`View`] builder:
//!
//! ```
//! use liaison_sdk::prelude::*;
//! let blocks: Vec<Block> = View::new()
//!     .heading(1, "路南")
//!     .stats([StatCard::new("本月来信", 12).hint("件")])
//!     .form(Form::new("ask", "提交").field(Field::textarea("question", "问题").required()))
//!     .into();
//! # assert_eq!(blocks.len(), 3);
//! ```

pub use crate::types::{
    Block, Field, FieldKind, Form, Heading, Link, ListItem, Notice, NoticeKind, StatCard, Table,
};

/// A heading of `level` 1 to 3 (clamped).
pub fn heading(level: u8, text: impl Into<String>) -> Block {
    Block::Heading(Heading::new(level, text))
}

/// A paragraph of plain text (no markup).
pub fn text(text: impl Into<String>) -> Block {
    Block::Text(text.into())
}

/// One stat card, to put in [`stat_cards`].
pub fn stat(label: impl Into<String>, value: impl ToString) -> StatCard {
    StatCard::new(label, value)
}

/// A row of stat cards.
pub fn stat_cards(cards: impl IntoIterator<Item = StatCard>) -> Block {
    Block::StatCards(cards.into_iter().collect())
}

/// A table with these column headings and rows.
pub fn table<C: Into<String>, R: IntoIterator<Item = S>, S: ToString>(
    columns: impl IntoIterator<Item = C>,
    rows: impl IntoIterator<Item = R>,
) -> Block {
    Block::Table(Table {
        columns: columns.into_iter().map(Into::into).collect(),
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(|c| c.to_string()).collect())
            .collect(),
    })
}

/// One list item, to put in [`items`].
pub fn item(title: impl Into<String>) -> ListItem {
    ListItem::new(title)
}

/// A list of items.
pub fn items(items: impl IntoIterator<Item = ListItem>) -> Block {
    Block::Items(items.into_iter().collect())
}

/// A link to a path inside Liaison (beginning with "/"; the host refuses other targets).
pub fn link(text: impl Into<String>, href: impl Into<String>) -> Block {
    Block::Link(Link::new(text, href))
}

/// A notice of `kind`.
pub fn notice(kind: NoticeKind, text: impl Into<String>) -> Block {
    Block::Notice(Notice::new(kind, text))
}

/// An informational notice.
pub fn info(text: impl Into<String>) -> Block {
    notice(NoticeKind::Info, text)
}

/// A notice that something went well.
pub fn success(text: impl Into<String>) -> Block {
    notice(NoticeKind::Success, text)
}

/// A warning notice.
pub fn warning(text: impl Into<String>) -> Block {
    notice(NoticeKind::Warning, text)
}

/// A form block; see [`Form`] for its builder.
pub fn form(form: Form) -> Block {
    Block::Form(form)
}

/// A builder for a whole view, one block after another.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    blocks: Vec<Block>,
}

impl View {
    /// An empty view.
    pub fn new() -> Self {
        View::default()
    }

    /// Appends any block.
    pub fn block(mut self, block: impl Into<Block>) -> Self {
        self.blocks.push(block.into());
        self
    }

    /// Appends a heading of `level` 1 to 3.
    pub fn heading(self, level: u8, text: impl Into<String>) -> Self {
        self.block(heading(level, text))
    }

    /// Appends a paragraph of plain text.
    pub fn text(self, text: impl Into<String>) -> Self {
        self.block(self::text(text))
    }

    /// Appends a row of stat cards.
    pub fn stats(self, cards: impl IntoIterator<Item = StatCard>) -> Self {
        self.block(stat_cards(cards))
    }

    /// Appends a table.
    pub fn table(self, table: Table) -> Self {
        self.block(table)
    }

    /// Appends a list of items.
    pub fn items(self, list: impl IntoIterator<Item = ListItem>) -> Self {
        self.block(items(list))
    }

    /// Appends a link.
    pub fn link(self, text: impl Into<String>, href: impl Into<String>) -> Self {
        self.block(link(text, href))
    }

    /// Appends a notice.
    pub fn notice(self, kind: NoticeKind, text: impl Into<String>) -> Self {
        self.block(notice(kind, text))
    }

    /// Appends a form.
    pub fn form(self, form: Form) -> Self {
        self.block(form)
    }

    /// The blocks so far.
    pub fn build(self) -> Vec<Block> {
        self.blocks
    }
}

impl From<View> for Vec<Block> {
    fn from(v: View) -> Self {
        v.blocks
    }
}
