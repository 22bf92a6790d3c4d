// Pure helpers of the inbound path: a structural check of the raw message (mailparser accepts almost
// anything, so "malformed" is decided here), loop / auto-reply detection, the ticket token and quoted-
// history stripping.
import EmailReplyParser from 'email-reply-parser';
import type { ParsedMail } from 'mailparser';

/** Returns why the raw message is not a well-formed RFC 5322 / MIME message, or null. */
export function malformedReason(raw: Buffer): string | null {
  if (raw.length === 0) return 'empty message';
  // Header section ends at the first empty line (or the end of a body-less message).
  const text = raw.toString('latin1');
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const lines = head.split(/\r?\n/);
  let fields = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' && i === lines.length - 1) continue;
    if (/^[ \t]/.test(line)) {
      if (i === 0) return 'the header section starts with a continuation line';
      continue;
    }
    // field-name = 1*ftext (printable US-ASCII except ":"), then ":".
    if (!/^[\x21-\x39\x3b-\x7e]+[ \t]*:/.test(line)) return `header line ${i + 1} is not "Name: value"`;
    fields++;
  }
  if (fields === 0) return 'no header fields';
  if (!/^from[ \t]*:/im.test(head)) return 'no From header';
  return null;
}

/** Checks the parsed structure: a sender address, and multipart bodies that carry their boundary. */
export function parsedProblem(parsed: ParsedMail, raw: Buffer): string | null {
  const from = parsed.from?.value?.find((a) => a.address && a.address.includes('@'));
  if (!from) return 'the From header has no address';
  const ct = parsed.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  if (ct && typeof ct === 'object' && typeof ct.value === 'string' && ct.value.toLowerCase().startsWith('multipart/')) {
    const boundary = ct.params?.boundary;
    if (!boundary) return 'multipart message without a boundary';
    if (!raw.includes(`--${boundary}`)) return 'multipart message whose boundary never occurs';
  }
  return null;
}

const header = (parsed: ParsedMail, name: string): string => {
  const v = parsed.headers.get(name);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value);
  return String(v);
};

/**
 * Why this mail must not be answered (or turned into a ticket), or null. RFC 3834 Auto-Submitted,
 * Precedence bulk/junk/list, vendor auto-reply headers, mailing lists, and mail from our own address.
 */
export function loopReason(parsed: ParsedMail, ownAddresses: readonly string[]): string | null {
  const auto = header(parsed, 'auto-submitted').trim().toLowerCase();
  if (auto && auto !== 'no') return `Auto-Submitted: ${auto}`;
  const precedence = header(parsed, 'precedence').trim().toLowerCase();
  if (['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `Precedence: ${precedence}`;
  for (const name of ['x-autoreply', 'x-autorespond']) {
    if (parsed.headers.has(name)) return `${name} present`;
  }
  // mailparser folds List-* headers into one "list" object, so look at the raw header lines.
  const names = new Set((parsed.headerLines ?? []).map((l) => l.key.toLowerCase()));
  if (names.has('list-id') || names.has('list-unsubscribe') || names.has('list-post')) return 'mailing list (List-Id / List-Unsubscribe)';
  const from = parsed.from?.value?.map((a) => (a.address ?? '').toLowerCase()) ?? [];
  if (from.some((a) => ownAddresses.includes(a))) return 'sent from our own address';
  const sender = from[0] ?? '';
  if (/^(mailer-daemon|postmaster)@/.test(sender)) return 'bounce (mailer-daemon)';
  return null;
}

/** The ticket number from a "[#1042]" token in the subject, or null. */
export function ticketToken(subject: string): string | null {
  const m = /\[#(\d{1,18})\]/.exec(subject);
  return m ? m[1]! : null;
}

/** Removes "Re:", "Fwd:" (and localised "AW:", "SV:") prefixes and our ticket token. */
export function cleanSubject(subject: string): string {
  let s = subject.replace(/\s*\[#\d{1,18}\]\s*/g, ' ').trim();
  for (;;) {
    const next = s.replace(/^\s*(re|fw|fwd|aw|sv|vs|antw)\s*(\[\d+\])?\s*:\s*/i, '');
    if (next === s) break;
    s = next;
  }
  return s.trim();
}

const replyParser = new EmailReplyParser();

/**
 * The new text of a reply without the quoted history and signature (willdurand's EmailReplyParser rules
 * via `email-reply-parser`: "On ... wrote:" headers, ">" quotes, "-----Original Message-----",
 * signatures). Falls back to the full text when stripping leaves nothing.
 */
export function stripQuotedHistory(text: string): string {
  let visible: string;
  try {
    visible = replyParser.parseReply(text);
  } catch {
    visible = text;
  }
  // Outlook's "From: ... Sent: ..." block, which the library does not always catch.
  const outlook = /^\s*(-{2,}\s*Original Message\s*-{2,}|_{10,}|From:\s.+\r?\n\s*(Sent|Date):\s)/im.exec(visible);
  if (outlook) visible = visible.slice(0, outlook.index);
  visible = visible.trim();
  return visible.length > 0 ? visible : text.trim();
}

/** Strips U+0000, which Postgres text cannot store. */
// eslint-disable-next-line no-control-regex
export const noNul = (s: string): string => s.replace(/\u0000/g, '');

/** "<id>" form of a Message-ID-like value, or null. */
export function normaliseMessageId(value: string | undefined | null): string | null {
  if (!value) return null;
  const v = noNul(value).trim();
  if (v.length === 0 || v.length > 998) return null;
  return v.startsWith('<') ? v : `<${v}>`;
}

/** The ids of the In-Reply-To and References headers, most recent first, deduplicated. */
export function threadIds(parsed: ParsedMail): string[] {
  const refs = Array.isArray(parsed.references) ? parsed.references : parsed.references ? parsed.references.split(/\s+/) : [];
  const ids = [parsed.inReplyTo, ...[...refs].reverse()].map(normaliseMessageId).filter((x): x is string => x !== null);
  return [...new Set(ids)].slice(0, 100);
}
