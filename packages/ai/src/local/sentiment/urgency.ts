// Urgency from cues in the text: explicit words (urgent, asap, emergency), outage / blocking language
// ("is down", "not working", "cannot log in"), money and security risk, deadlines ("by Friday", "within
// 2 hours", "today"), and shouting (!!!, ALL-CAPS words). Each cue adds evidence; the score is
// 1 - exp(-evidence), so one strong cue is "high" and several are "critical".

export type UrgencyLevel = 'low' | 'normal' | 'high' | 'critical';

export interface Urgency {
  score: number;
  level: UrgencyLevel;
  cues: string[];
}

const CUES: { name: string; weight: number; pattern: RegExp }[] = [
  { name: 'urgent', weight: 1.2, pattern: /\b(urgent(ly)?|asap|a\.s\.a\.p|emergency|immediately|right away|right now|critical|top priority)\b/i },
  { name: 'outage', weight: 1.0, pattern: /\b((is|are|went|goes|been) down|outage|offline|not working|doesn'?t work|stopped working|can(no|')t (log ?in|login|access|sign in|pay|use)|unable to (log ?in|login|access|pay|use)|locked out|crash(es|ed|ing)?|error 5\d\d)\b/i },
  { name: 'blocking', weight: 0.8, pattern: /\b(blocked|blocking|production|all (users|customers)|entire (team|company)|whole (team|company)|losing (money|customers|sales)|business is)\b/i },
  { name: 'security', weight: 1.1, pattern: /\b(hacked|fraud(ulent)?|stolen|unauthori[sz]ed|breach|phishing|compromised|scam(med)?)\b/i },
  { name: 'money', weight: 0.5, pattern: /\b(charged twice|double charged|overcharged|refund|chargeback|payment failed|declined)\b/i },
  { name: 'deadline', weight: 0.7, pattern: /\b(today|tonight|tomorrow|by (monday|tuesday|wednesday|thursday|friday|saturday|sunday|eod|end of (the )?day|noon)|within \d+ ?(minutes?|hours?|h)|deadline|before \d{1,2}(:\d\d)? ?(am|pm)?)\b/i },
  { name: 'escalation', weight: 0.8, pattern: /\b(lawyer|legal action|sue|cancel (my|the) (account|subscription|contract)|last time|final warning|complain(t)? to)\b/i },
  { name: 'waiting', weight: 0.4, pattern: /\b(still (waiting|not)|no (one|reply|response)|(days|weeks) ago|again|third time|second time)\b/i },
];

export function urgency(text: string): Urgency {
  const cues: string[] = [];
  let evidence = 0;
  for (const cue of CUES) {
    if (cue.pattern.test(text)) {
      cues.push(cue.name);
      evidence += cue.weight;
    }
  }
  const bangs = (text.match(/!/g) ?? []).length;
  if (bangs >= 2) {
    cues.push('exclamation');
    evidence += Math.min(0.6, 0.2 * bangs);
  }
  const caps = (text.match(/\b[A-Z]{3,}\b/g) ?? []).filter((w) => !/^(API|URL|SSO|VPN|PDF|CSV|ID|SMS|DNS|HTTP|HTTPS|SLA|FAQ|USA|EUR|USD|GBP|ATM|PIN|IBAN)$/.test(w)).length;
  if (caps >= 2) {
    cues.push('all-caps');
    evidence += Math.min(0.6, 0.2 * caps);
  }
  const score = 1 - Math.exp(-evidence);
  const level: UrgencyLevel = score >= 0.8 ? 'critical' : score >= 0.55 ? 'high' : score >= 0.2 ? 'normal' : 'low';
  return { score: Math.round(score * 1000) / 1000, level, cues };
}
