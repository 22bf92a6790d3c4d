// Reply drafts from retrieved knowledge-base passages, never invented text: a greeting, the best passages
// each followed by its citation mark [n], a closing, and the list of sources. The template chrome is in
// the customer's language (en, de, fr, es, it, nl, pt; detected with franc-min when not given); the
// passages are quoted as written in the KB. No relevant passage (or too little confidence) -> handoff.
import { franc } from 'franc-min';
import type { DraftOutput, RecommendedArticle } from '../provider.ts';

interface Template {
  greeting: (name?: string) => string;
  intro: string;
  closing: string;
  sources: string;
}

export const TEMPLATES: Record<string, Template> = {
  en: { greeting: (n) => (n ? `Hello ${n},` : 'Hello,'), intro: 'Thank you for contacting us. Here is what should help:', closing: 'If this does not solve it, just reply to this message and we will take it from here.', sources: 'Sources' },
  de: { greeting: (n) => (n ? `Hallo ${n},` : 'Hallo,'), intro: 'vielen Dank für Ihre Nachricht. Folgendes sollte Ihnen weiterhelfen:', closing: 'Falls das Ihr Anliegen nicht löst, antworten Sie einfach auf diese Nachricht – wir kümmern uns darum.', sources: 'Quellen' },
  fr: { greeting: (n) => (n ? `Bonjour ${n},` : 'Bonjour,'), intro: 'Merci de nous avoir contactés. Voici ce qui devrait vous aider :', closing: "Si cela ne résout pas votre problème, répondez simplement à ce message et nous prendrons le relais.", sources: 'Sources' },
  es: { greeting: (n) => (n ? `Hola ${n}:` : 'Hola:'), intro: 'Gracias por contactarnos. Esto debería ayudarle:', closing: 'Si esto no lo resuelve, responda a este mensaje y nos ocuparemos de ello.', sources: 'Fuentes' },
  it: { greeting: (n) => (n ? `Ciao ${n},` : 'Salve,'), intro: 'grazie per averci contattato. Ecco cosa dovrebbe aiutarla:', closing: 'Se il problema persiste, risponda a questo messaggio e ce ne occuperemo noi.', sources: 'Fonti' },
  nl: { greeting: (n) => (n ? `Hallo ${n},` : 'Hallo,'), intro: 'bedankt voor uw bericht. Dit zou u moeten helpen:', closing: 'Lost dit het niet op? Beantwoord dan dit bericht en wij nemen het over.', sources: 'Bronnen' },
  pt: { greeting: (n) => (n ? `Olá ${n},` : 'Olá,'), intro: 'obrigado pelo seu contato. Isto deve ajudar:', closing: 'Se isto não resolver, responda a esta mensagem e nós cuidaremos do resto.', sources: 'Fontes' },
};

const ISO3: Record<string, string> = { eng: 'en', deu: 'de', fra: 'fr', spa: 'es', ita: 'it', nld: 'nl', por: 'pt' };

/** ISO 639-1 language of a text among the template languages; 'en' when unsure or too short. */
export function detectLanguage(text: string): string {
  const code = franc(text, { only: Object.keys(ISO3), minLength: 12 });
  return ISO3[code] ?? 'en';
}

export interface DraftOptions {
  language?: string;
  customerName?: string;
  /** Retrieval confidence of `articles` (0..1); below `minConfidence` the draft hands off. */
  confidence: number;
  minConfidence?: number;
  /** Passages quoted at most. */
  maxPassages?: number;
}

export interface DraftResult {
  output: DraftOutput;
  confidence: number;
  explanation: string;
}

export function draftReply(ticketText: string, articles: readonly RecommendedArticle[], options: DraftOptions): DraftResult {
  const requested = options.language?.toLowerCase().slice(0, 2);
  const language = requested && TEMPLATES[requested] ? requested : detectLanguage(ticketText);
  const t = TEMPLATES[language] ?? (TEMPLATES.en as Template);
  const minConfidence = options.minConfidence ?? 0.3;
  if (articles.length === 0 || options.confidence < minConfidence) {
    const why = articles.length === 0 ? 'no relevant knowledge-base article was found' : `retrieval confidence ${options.confidence.toFixed(2)} is below ${minConfidence}`;
    return { output: { body: null, language, citations: [], handoff: true }, confidence: options.confidence, explanation: `Handed off to a human: ${why}.` };
  }
  const maxPassages = options.maxPassages ?? 3;
  const citations: DraftOutput['citations'] = [];
  const lines: string[] = [];
  for (const article of articles) {
    for (const passage of article.passages) {
      if (lines.length >= maxPassages) break;
      let n = citations.find((c) => c.id === article.id)?.n;
      if (n === undefined) {
        n = citations.length + 1;
        citations.push({ n, id: article.id, title: article.title });
      }
      lines.push(`${passage.text} [${n}]`);
    }
  }
  const body = [
    t.greeting(options.customerName),
    '',
    t.intro,
    '',
    ...lines.flatMap((l) => [l, '']),
    t.closing,
    '',
    `${t.sources}:`,
    ...citations.map((c) => `[${c.n}] ${c.title}`),
  ].join('\n');
  return {
    output: { body, language, citations, handoff: false },
    confidence: options.confidence,
    explanation: `Drafted in ${language} from ${lines.length} passage(s) of ${citations.length} article(s): ${citations.map((c) => `"${c.title}"`).join(', ')}.`,
  };
}
