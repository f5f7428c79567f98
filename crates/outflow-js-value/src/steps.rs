//! Which transformations an evaluation went through: the analysis reports
//! them with each endpoint (how a hidden URL was assembled).

/// One kind of step static evaluation can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A string literal written with escapes (`"\x68ttp"`).
    Escape,
    /// String concatenation with `+`.
    Concatenation,
    /// A template literal with substitutions.
    Template,
    /// `Array.prototype.join`.
    ArrayJoin,
    /// `String.prototype.split`.
    Split,
    /// `Array.prototype.reverse`.
    Reverse,
    /// `String.fromCharCode` / `String.fromCodePoint`.
    FromCharCode,
    /// `atob`.
    Atob,
    /// `decodeURIComponent`, `decodeURI` or `unescape`.
    UriDecode,
    /// Another string method (`slice`, `replace`, `toLowerCase`, …).
    StringMethod,
    /// A constant binding followed to its initialiser.
    Binding,
    /// A property of a constant object literal.
    Property,
}

/// A set of [`Step`]s.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Steps(u16);

impl Steps {
    /// Every step, in the order [`Steps::iter`] gives them.
    pub const ALL: [Step; 12] = [
        Step::Escape,
        Step::Concatenation,
        Step::Template,
        Step::ArrayJoin,
        Step::Split,
        Step::Reverse,
        Step::FromCharCode,
        Step::Atob,
        Step::UriDecode,
        Step::StringMethod,
        Step::Binding,
        Step::Property,
    ];

    fn bit(step: Step) -> u16 {
        1 << (step as u16)
    }

    /// Adds a step.
    pub fn insert(&mut self, step: Step) {
        self.0 |= Self::bit(step);
    }

    /// Whether `step` was taken.
    pub fn contains(self, step: Step) -> bool {
        self.0 & Self::bit(step) != 0
    }

    /// The steps taken, in the order of [`Steps::ALL`].
    pub fn iter(self) -> impl Iterator<Item = Step> {
        Self::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}
