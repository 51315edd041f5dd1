//! Light syntax colouring for the exported files: one small tokenizer per file format.
//!
//! UI-side and pure, natively tested. It only splits text into [`Token`]s (comments,
//! keywords, numbers and addresses, strings, variables, the rest); the export panel draws
//! each token as a `<span>` with a class, as text, never as markup. Concatenating the tokens
//! of a text gives the text back exactly, whatever it holds.

use crate::sim::export::FileKind;

/// What a piece of a file is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// Everything else: names, punctuation, white space.
    Plain,
    Comment,
    /// A directive, section or option of the format (`balance`, `server`, `[mysqld]`).
    Keyword,
    /// A number, an address (`10.0.0.11:80`, `8.8.8.8/32`) or a duration (`30s`).
    Number,
    /// A quoted string, quotes included.
    String,
    /// A variable (`$remote_addr` in nginx.conf).
    Variable,
}

impl TokenKind {
    /// The CSS class of the token's `<span>`; `None` for plain text.
    pub fn class(self) -> Option<&'static str> {
        match self {
            TokenKind::Plain => None,
            TokenKind::Comment => Some("tok-comment"),
            TokenKind::Keyword => Some("tok-keyword"),
            TokenKind::Number => Some("tok-number"),
            TokenKind::String => Some("tok-string"),
            TokenKind::Variable => Some("tok-variable"),
        }
    }
}

/// One piece of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
}

/// How one format is coloured.
struct Lang {
    /// Characters that start a comment (to the end of the line) at the start of a word.
    comments: &'static [char],
    /// The first word of each statement is a directive.
    directives: bool,
    /// Characters after which a new statement starts (besides a new line).
    statement_ends: &'static [char],
    /// Words that are keywords wherever they stand.
    keywords: &'static [&'static str],
    /// `$name` is a variable.
    variables: bool,
    /// A line starting with `[` is a section header (`[mysqld]`).
    sections: bool,
}

const HAPROXY: Lang = Lang {
    comments: &['#'],
    directives: true,
    statement_ends: &[],
    keywords: &[
        "check", "backup", "weight", "inter", "rise", "fall", "ssl", "crt", "if", "unless",
        "disabled", "maxconn",
    ],
    variables: false,
    sections: false,
};

const KEEPALIVED: Lang = Lang {
    comments: &['#', '!'],
    directives: true,
    statement_ends: &['{', '}'],
    keywords: &[],
    variables: false,
    sections: false,
};

const NGINX: Lang = Lang {
    comments: &['#'],
    directives: true,
    statement_ends: &['{', '}', ';'],
    keywords: &[],
    variables: true,
    sections: false,
};

const NFTABLES: Lang = Lang {
    comments: &['#'],
    directives: true,
    statement_ends: &['{', '}', ';'],
    keywords: &[
        "flush",
        "ruleset",
        "table",
        "inet",
        "ip",
        "ip6",
        "chain",
        "type",
        "filter",
        "hook",
        "input",
        "forward",
        "output",
        "priority",
        "policy",
        "accept",
        "drop",
        "reject",
        "iif",
        "oif",
        "ct",
        "state",
        "established",
        "related",
        "invalid",
        "protocol",
        "icmp",
        "icmpv6",
        "nexthdr",
        "saddr",
        "daddr",
        "tcp",
        "udp",
        "dport",
        "sport",
        "comment",
        "counter",
        "log",
    ],
    variables: false,
    sections: false,
};

const SHELL: Lang = Lang {
    comments: &['#'],
    directives: true,
    statement_ends: &[';'],
    keywords: &[
        "ufw", "allow", "deny", "reject", "limit", "default", "proto", "from", "to", "any", "port",
        "comment", "incoming", "outgoing", "routed", "enable", "reset",
    ],
    variables: true,
    sections: false,
};

const ZONE: Lang = Lang {
    comments: &[';'],
    directives: false,
    statement_ends: &[],
    keywords: &[
        "$ORIGIN", "$TTL", "IN", "A", "AAAA", "NS", "SOA", "CNAME", "MX", "TXT",
    ],
    variables: false,
    sections: false,
};

const INI: Lang = Lang {
    comments: &['#', ';'],
    directives: true,
    statement_ends: &[],
    keywords: &["ON", "OFF"],
    variables: false,
    sections: true,
};

fn lang(kind: FileKind) -> &'static Lang {
    match kind {
        FileKind::Haproxy => &HAPROXY,
        FileKind::Keepalived => &KEEPALIVED,
        FileKind::Nginx => &NGINX,
        FileKind::Nftables => &NFTABLES,
        FileKind::Ufw => &SHELL,
        FileKind::DnsZone => &ZONE,
        FileKind::Mysql | FileKind::PhpFpm => &INI,
    }
}

/// Characters that end a word besides white space.
fn is_punct(c: char) -> bool {
    matches!(
        c,
        '{' | '}' | '(' | ')' | ';' | ',' | '=' | '[' | ']' | '"' | '\''
    )
}

/// Splits `text`, a file of format `kind`, into tokens. Adjacent tokens of the same kind are
/// merged, so plain text comes in few pieces.
pub fn tokenize(kind: FileKind, text: &str) -> Vec<Token<'_>> {
    let lang = lang(kind);
    let mut spans = Spans::default();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        line_tokens(lang, line, offset, &mut spans);
        offset += line.len();
    }
    spans
        .0
        .into_iter()
        .filter_map(|(kind, start, end)| {
            Some(Token {
                kind,
                text: text.get(start..end)?,
            })
        })
        .collect()
}

/// Tokens as byte ranges of the whole text, merged when adjacent and of one kind.
#[derive(Default)]
struct Spans(Vec<(TokenKind, usize, usize)>);

impl Spans {
    fn push(&mut self, kind: TokenKind, start: usize, end: usize) {
        if start >= end {
            return;
        }
        match self.0.last_mut() {
            Some(last) if last.0 == kind && last.2 == start => last.2 = end,
            _ => self.0.push((kind, start, end)),
        }
    }
}

/// Tokens of one line (with its newline, if any) that starts at `offset` in the text.
fn line_tokens(lang: &Lang, line: &str, offset: usize, out: &mut Spans) {
    let content = line.trim_end_matches(['\n', '\r']).len();
    let mut push = |kind, start: usize, end: usize| out.push(kind, offset + start, offset + end);
    if lang.sections && line.trim_start().starts_with('[') {
        let indent = line.len() - line.trim_start().len();
        let body = line.trim_end().len();
        push(TokenKind::Plain, 0, indent);
        push(TokenKind::Keyword, indent, body);
        push(TokenKind::Plain, body, line.len());
        return;
    }
    let mut statement_start = true;
    let mut chars = line.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if !c.is_whitespace() {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            push(TokenKind::Plain, start, end);
        } else if lang.comments.contains(&c) {
            push(TokenKind::Comment, start, content.max(start));
            push(TokenKind::Plain, content.max(start), line.len());
            return;
        } else if c == '"' || c == '\'' {
            chars.next();
            let mut end = content.max(start);
            let mut escaped = false;
            while let Some(&(i, d)) = chars.peek() {
                if i >= content {
                    break;
                }
                chars.next();
                if escaped {
                    escaped = false;
                } else if d == '\\' {
                    escaped = true;
                } else if d == c {
                    end = i + d.len_utf8();
                    break;
                }
            }
            push(TokenKind::String, start, end);
            statement_start = false;
        } else if is_punct(c) {
            chars.next();
            push(TokenKind::Plain, start, start + c.len_utf8());
            statement_start = lang.statement_ends.contains(&c);
        } else {
            let mut end = start;
            while let Some(&(i, c)) = chars.peek() {
                if c.is_whitespace() || is_punct(c) {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
            }
            let kind = word_kind(
                lang,
                line.get(start..end).unwrap_or_default(),
                statement_start,
            );
            push(kind, start, end);
            statement_start = false;
        }
    }
}

fn word_kind(lang: &Lang, word: &str, statement_start: bool) -> TokenKind {
    if lang.keywords.contains(&word) || (lang.directives && statement_start) {
        TokenKind::Keyword
    } else if lang.variables && word.starts_with('$') && word.len() > 1 {
        TokenKind::Variable
    } else if word.starts_with(|c: char| c.is_ascii_digit()) {
        TokenKind::Number
    } else {
        TokenKind::Plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens that are not plain, as `(kind, text)`.
    fn coloured(kind: FileKind, text: &str) -> Vec<(TokenKind, String)> {
        tokenize(kind, text)
            .into_iter()
            .filter(|t| t.kind != TokenKind::Plain)
            .map(|t| (t.kind, t.text.to_owned()))
            .collect()
    }

    fn joined(tokens: &[Token<'_>]) -> String {
        tokens.iter().map(|t| t.text).collect()
    }

    use TokenKind::{Comment, Keyword, Number, String as Str, Variable};

    #[test]
    fn haproxy_directives_numbers_and_comments() {
        let text = "# Generated by Stacksim\nbackend servers\n    balance roundrobin\n    \
                    server web-01.nginx 10.0.0.11:80 weight 1 check\n";
        assert_eq!(
            coloured(FileKind::Haproxy, text),
            [
                (Comment, "# Generated by Stacksim".to_owned()),
                (Keyword, "backend".to_owned()),
                (Keyword, "balance".to_owned()),
                (Keyword, "server".to_owned()),
                (Number, "10.0.0.11:80".to_owned()),
                (Keyword, "weight".to_owned()),
                (Number, "1".to_owned()),
                (Keyword, "check".to_owned()),
            ]
        );
    }

    #[test]
    fn nginx_statements_variables_and_strings() {
        let text = "    map $a $b {\n        https on;\n        default \"\";\n    }\n";
        assert_eq!(
            coloured(FileKind::Nginx, text),
            [
                (Keyword, "map".to_owned()),
                (Variable, "$a".to_owned()),
                (Variable, "$b".to_owned()),
                (Keyword, "https".to_owned()),
                (Keyword, "default".to_owned()),
                (Str, "\"\"".to_owned()),
            ]
        );
        let text = "location / { try_files $uri =404; } # end\n";
        assert_eq!(
            coloured(FileKind::Nginx, text),
            [
                (Keyword, "location".to_owned()),
                (Keyword, "try_files".to_owned()),
                (Variable, "$uri".to_owned()),
                (Number, "404".to_owned()),
                (Comment, "# end".to_owned()),
            ]
        );
    }

    #[test]
    fn zone_records_and_semicolon_comments() {
        let text = "$TTL 3600\nwww 300 IN A 8.8.8.8 ; the site\n";
        assert_eq!(
            coloured(FileKind::DnsZone, text),
            [
                (Keyword, "$TTL".to_owned()),
                (Number, "3600".to_owned()),
                (Number, "300".to_owned()),
                (Keyword, "IN".to_owned()),
                (Keyword, "A".to_owned()),
                (Number, "8.8.8.8".to_owned()),
                (Comment, "; the site".to_owned()),
            ]
        );
    }

    #[test]
    fn mysql_sections_and_settings() {
        let text = "[mysqld]\nserver-id = 2\nread_only = ON\n#   START REPLICA;\n";
        assert_eq!(
            coloured(FileKind::Mysql, text),
            [
                (Keyword, "[mysqld]".to_owned()),
                (Keyword, "server-id".to_owned()),
                (Number, "2".to_owned()),
                (Keyword, "read_only".to_owned()),
                (Keyword, "ON".to_owned()),
                (Comment, "#   START REPLICA;".to_owned()),
            ]
        );
    }

    #[test]
    fn ufw_commands_and_single_quoted_strings() {
        let text = "ufw allow proto tcp from 10.0.0.11 to any port 9000 comment 'FastCGI'\n";
        let got = coloured(FileKind::Ufw, text);
        assert_eq!(got[0], (Keyword, "ufw".to_owned()));
        assert!(got.contains(&(Number, "10.0.0.11".to_owned())), "{got:?}");
        assert_eq!(got.last(), Some(&(Str, "'FastCGI'".to_owned())));
    }

    #[test]
    fn nftables_and_keepalived_keywords() {
        let got = coloured(
            FileKind::Nftables,
            "        tcp dport 443 accept comment \"x\"\n",
        );
        assert_eq!(
            got,
            [
                (Keyword, "tcp".to_owned()),
                (Keyword, "dport".to_owned()),
                (Number, "443".to_owned()),
                (Keyword, "accept".to_owned()),
                (Keyword, "comment".to_owned()),
                (Str, "\"x\"".to_owned()),
            ]
        );
        let got = coloured(
            FileKind::Keepalived,
            "vrrp_instance VI_1 {\n    priority 150\n}\n",
        );
        assert_eq!(
            got,
            [
                (Keyword, "vrrp_instance".to_owned()),
                (Keyword, "priority".to_owned()),
                (Number, "150".to_owned()),
            ]
        );
    }

    #[test]
    fn an_unterminated_string_ends_at_the_line_end() {
        let text = "comment \"open\nnext line\n";
        let tokens = tokenize(FileKind::Nginx, text);
        assert_eq!(joined(&tokens), text);
        assert!(tokens.contains(&Token {
            kind: Str,
            text: "\"open"
        }));
    }

    #[test]
    fn tokens_always_give_the_text_back() {
        let kinds = [
            FileKind::Haproxy,
            FileKind::Keepalived,
            FileKind::Nginx,
            FileKind::Nftables,
            FileKind::Ufw,
            FileKind::DnsZone,
            FileKind::Mysql,
            FileKind::PhpFpm,
        ];
        let odd = [
            "",
            "\n",
            "no newline at the end",
            "\"\\\"\n'\\",
            "  [unterminated\n  [x] = y # c\r\n",
            "é ü 日本 $ $$ 1.2.3 {}();,=[]\"'",
            "#\n;\n!\n",
            "\t\tkey\t=\tvalue\t\n",
        ];
        for kind in kinds {
            for text in odd {
                let tokens = tokenize(kind, text);
                assert_eq!(joined(&tokens), text, "{kind:?} {text:?}");
                assert!(tokens.iter().all(|t| !t.text.is_empty()));
            }
        }
        for number in 0..4 {
            let Some(topology) = crate::sim::presets::topology(number) else {
                continue;
            };
            for file in crate::sim::export::export(&topology) {
                let tokens = tokenize(file.kind, &file.contents);
                assert_eq!(joined(&tokens), file.contents, "{}", file.path);
                assert!(
                    tokens.iter().any(|t| t.kind == Keyword),
                    "{}: no keyword",
                    file.path
                );
                assert!(
                    tokens.first().is_some_and(|t| t.kind == Comment),
                    "{}: every file starts with its comment",
                    file.path
                );
            }
        }
    }
}
