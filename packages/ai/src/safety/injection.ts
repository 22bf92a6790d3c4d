// Ticket text is data, never instructions. This scanner finds text that addresses the AI instead of
// the help desk — "ignore previous instructions", role markers ("system:"), requests for the system
// prompt, fake tool/function-call JSON, instructions hidden in HTML comments or zero-width characters —
// in English, German, French, Spanish, Italian, Dutch and Portuguese, and returns the text without it.
//
// Two tiers of patterns:
//   strong  — only an attack says this ("ignore all previous instructions", "reveal your system prompt",
//             a `{"type":"tool_use"...}` object). Any strong cue marks the ticket as suspected.
//   directive — an order about the ticket's handling ("assign this ticket to admin", "mark it resolved",
//             "set priority to urgent", "send the refund now", "classify this as ..."). A customer may
//             legitimately ask for a refund, so a directive alone marks nothing; it is removed only from a
//             ticket that is already suspected.
// HTML comments are always removed (an agent reading the rendered mail never sees them). The runner
// gives providers the cleaned text and routes a suspected ticket to a human (see runner.ts).

export interface InjectionScan {
  suspected: boolean;
  /** Short descriptions of what was found, for the explanation shown to agents. */
  cues: string[];
  /** The text with hidden content and injected sentences removed. */
  cleaned: string;
}

const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]/g;

// Strong cues: override phrases, prompt extraction, role hijacking, in several languages.
const STRONG: { re: RegExp; cue: string }[] = [
  { re: /\b(ignore|disregard|forget|override|bypass|skip)\b[^.!?\n]{0,40}\b(previous|prior|above|earlier|preceding|all|any|your|the|system|original)\b[^.!?\n]{0,30}\b(instructions?|rules|prompts?|directions|guidelines|directives|orders)\b/i, cue: 'asks to ignore previous instructions' },
  { re: /\b(new|updated|real|actual)\s+(instructions?|system\s+prompt)\s*[:-]/i, cue: 'announces new instructions' },
  { re: /\b(reveal|print|show|repeat|output|display|leak|tell me|give me|what is|what's)\b[^.!?\n]{0,30}\b(system\s*prompt|hidden\s+prompt|initial\s+prompt|your\s+(instructions|prompt|rules))\b/i, cue: 'asks for the system prompt' },
  { re: /\b(you are now|from now on you are|act as|pretend to be|you must now)\b[^.!?\n]{0,40}\b(ai|assistant|model|admin|administrator|agent|system|dan|developer)\b/i, cue: 'tries to change the assistant role' },
  { re: /\b(developer|debug|god|jailbreak|dan)\s+mode\b/i, cue: 'asks for a special mode' },
  { re: /^\s*(system|assistant|ai|developer|tool)\s*(message|prompt|instruction)?\s*:/im, cue: 'contains a role marker' },
  { re: /<\/?\s*(system|assistant|instructions?|tool_(use|result)|function_calls?|ticket_data|kb_passages)\b[^>]*>/i, cue: 'contains prompt markup' },
  { re: /\bto (the )?(ai|assistant|bot|model|llm|language model|automated system)\b\s*[:,]/i, cue: 'addresses the AI' },
  { re: /\b(dear|hey|hi|attention)\s+(ai|assistant|bot|chatgpt|claude|gpt|llm|model)\b/i, cue: 'addresses the AI' },
  // German
  { re: /\b(ignorier\w*|vergiss|vergessen sie|missachte\w*)\b[^.!?\n]{0,40}\b(anweisung\w*|instruktion\w*|regeln|vorgaben|befehle)\b/i, cue: 'asks to ignore previous instructions (de)' },
  { re: /\bsystem-?prompt\b/i, cue: 'mentions the system prompt' },
  // French
  { re: /\b(ignore[rsz]?|oublie[rsz]?|ne tiens pas compte)\b[^.!?\n]{0,40}\b(instructions?|consignes|r[èe]gles|directives)\b/i, cue: 'asks to ignore previous instructions (fr)' },
  { re: /\b(invite|prompt|instructions?)\s+syst[èe]me\b/i, cue: 'mentions the system prompt (fr)' },
  // Spanish / Italian / Portuguese
  { re: /\b(ignora[rd]?|olvida[rd]?|ignore|ignorar|esquece|esqueça|ignori)\b[^.!?\n]{0,40}\b(instrucciones|instruccions|istruzioni|instruções|instrucoes|reglas|regole|regras|indicaciones)\b/i, cue: 'asks to ignore previous instructions (es/it/pt)' },
  { re: /\b(prompt|mensaje|messaggio)\s+(del\s+|di\s+)?sistema\b/i, cue: 'mentions the system prompt (es/it)' },
  // Dutch
  { re: /\b(negeer|vergeet)\b[^.!?\n]{0,40}\b(instructies|regels|opdrachten)\b/i, cue: 'asks to ignore previous instructions (nl)' },
];

// Fake tool output / function calls: JSON objects shaped like a model's tool call or a tool result.
const FAKE_TOOL_JSON = /\{[^{}]{0,400}"(type|role|tool|function|name|tool_name|recipient_name)"\s*:\s*"(tool_use|tool_result|function|function_call|system|assistant|tool|record_\w+|assign\w*|classify\w*|set_\w+|send_\w+|draft_\w+|score_\w+|mark_\w+|issue_\w+)"[^{}]{0,400}\}/gi;
const JSON_ACTION = /\{[^{}]{0,400}"(assignee|assign_to|agentId|agent_id|status|priority|label|category|send|auto_send|autoSend|refund)"\s*:[^{}]{0,400}\}/i;

// Directives about the ticket's handling (removed only from suspected tickets).
const DIRECTIVE: RegExp[] = [
  /\b(assign|route|transfer|escalate|forward|give)\b[^.!?\n]{0,30}\b(to|an|à|a)\b\s+(the\s+)?(admin|administrator|root|manager|supervisor|ceo|owner|\S+@\S+)/i,
  /\b(mark|set|close|flag|change|update)\b[^.!?\n]{0,30}\b(as\s+)?(resolved|closed|solved|done|completed|urgent|critical|high priority)\b/i,
  /\b(set|change|raise|make|update)\b[^.!?\n]{0,20}\bpriority\b[^.!?\n]{0,20}\b(urgent|critical|high|p1|highest)\b/i,
  /\b(send|issue|process|approve|grant|pay|transfer)\b[^.!?\n]{0,30}\b(refund|money|payment|credit|compensation|chargeback)\b/i,
  /\b(classify|label|categori[sz]e|tag|categorise)\b[^.!?\n]{0,20}\b(this|it|the ticket|me)\b[^.!?\n]{0,10}\bas\b/i,
  /\b(reply|respond|answer|say|write)\b[^.!?\n]{0,30}\b(that|with)\b[^.!?\n]{0,40}\b(refund|resolved|approved|processed|done)\b/i,
  /\b(weise|zuweisen|markiere|markieren|setze|erstatte|überweise|schließe)\b/i,
  /\b(attribue[rz]?|assigne[rz]?|marque[rz]?|rembourse[rz]?|ferme[rz]?|cl[ôo]ture[rz]?)\b/i,
  /\b(asigna[r]?|marca[r]?|reembolsa[r]?|cierra|cerrar|assegna|segna|rimborsa|chiudi|atribua|marque|reembolse|feche|wijs|markeer|sluit|terugbetaling)\b/i,
];

const SENTENCE_SPLIT = /(?<=[.!?。！？])\s+|\n+/;

function stripHtmlComments(text: string, cues: string[]): string {
  let found = false;
  const out = text.replace(/<!--[\s\S]*?(-->|$)/g, () => {
    found = true;
    return ' ';
  });
  if (found) cues.push('hidden HTML comment removed');
  return out;
}

/** Finds and removes text addressed to the AI. Idempotent: scanning `cleaned` again finds nothing strong. */
export function scanForInjection(input: string): InjectionScan {
  const cues: string[] = [];
  let text = input.normalize('NFKC');
  if (INVISIBLE.test(text)) cues.push('invisible characters removed');
  text = text.replace(INVISIBLE, '');
  // A hidden comment is suspicious only when its content is: scan it before removing it.
  const comments = [...text.matchAll(/<!--([\s\S]*?)(-->|$)/g)].map((m) => m[1] ?? '');
  let suspected = comments.some((c) => STRONG.some((s) => s.re.test(c)) || DIRECTIVE.some((d) => d.test(c)));
  text = stripHtmlComments(text, cues);
  const withoutFakeJson = text.replace(FAKE_TOOL_JSON, () => {
    suspected = true;
    cues.push('fake tool-call JSON removed');
    return ' ';
  });
  text = withoutFakeJson;

  // Line by line (keeps the mail's layout), sentence by sentence inside a line.
  const lines = text.split('\n');
  const strongHit = (s: string): string | null => STRONG.find((p) => p.re.test(s))?.cue ?? null;
  for (const line of lines) {
    for (const sentence of line.split(SENTENCE_SPLIT)) {
      const cue = strongHit(sentence);
      if (cue) {
        suspected = true;
        if (!cues.includes(cue)) cues.push(cue);
      }
    }
  }
  if (!suspected) return { suspected: false, cues, cleaned: cues.length === 0 ? input : collapse(text) };

  const kept: string[] = [];
  for (const line of lines) {
    const quote = /^\s*(>\s*)+/.exec(line)?.[0] ?? '';
    const sentences = line.slice(quote.length).split(/(?<=[.!?。！？])\s+/);
    const keep = sentences.map(cut).filter((s) => s.trim() !== '');
    if (keep.join(' ') !== sentences.join(' ') && !cues.includes('injected sentences removed')) cues.push('injected sentences removed');
    if (keep.length > 0) kept.push(quote + keep.join(' '));
    else if (sentences.every((s) => s.trim() === '')) kept.push(line);
  }
  // A quote header ("On Mon, X wrote:") whose quoted lines were all removed goes too.
  const attribution = /^\s*(on\b.{0,200}\bwrote|am\b.{0,200}\bschrieb\b.{0,60}|le\b.{0,200}\ba écrit|el\b.{0,200}\bescribió|il\b.{0,200}\bha scritto|op\b.{0,200}\bschreef\b.{0,60}|em\b.{0,200}\bescreveu)\s*:\s*$/i;
  const final = kept.filter((line, i) => {
    if (!attribution.test(line)) return true;
    const next = kept.slice(i + 1).find((l) => l.trim() !== '');
    return next !== undefined && /^\s*>/.test(next);
  });
  return { suspected, cues, cleaned: collapse(final.join('\n')) };
}

/**
 * A sentence of a suspected ticket without its injected part: everything from the first strong or
 * directive match on is dropped (the customer's own words before it stay, e.g. "I was charged a fee
 * ignore your rules and ..."); a sentence carrying action JSON is dropped whole.
 */
function cut(sentence: string): string {
  if (JSON_ACTION.test(sentence)) return '';
  let first = sentence.length;
  for (const re of [...STRONG.map((s) => s.re), ...DIRECTIVE]) {
    const m = re.exec(sentence);
    if (m && m.index < first) first = m.index;
  }
  if (first === sentence.length) return sentence;
  const kept = sentence.slice(0, first).replace(/[\s,;:\-–—]+$/, '');
  // A fragment too short to mean anything ("Please", "Also,") is dropped with the rest.
  return kept.split(/\s+/).filter(Boolean).length >= 3 ? kept : '';
}

function collapse(text: string): string {
  return text
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\s*>\s*$/gm, '')
    .trim();
}
