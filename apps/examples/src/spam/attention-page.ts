/** One e-mail of the attention page. */
export interface AttendedEmail {
  readonly id: string;
  readonly spam: boolean;
  /** The model's spam probability. */
  readonly probability: number;
  readonly tokens: readonly string[];
  /** Attention weight of each token (they sum to 1). */
  readonly weights: readonly number[];
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A standalone HTML page: each e-mail's words, shaded by attention weight (the most attended word of an
 * e-mail at full colour), with the true label and the model's spam probability.
 */
export function attentionPage(emails: readonly AttendedEmail[]): string {
  const sections = emails.map((email) => {
    const top = Math.max(...email.weights, 1e-12);
    const words = email.tokens
      .map((t, i) => {
        const alpha = (email.weights[i] / top).toFixed(3);
        return `<span style="background: rgba(255, 99, 71, ${alpha})" title="${(email.weights[i] * 100).toFixed(2)}%">${escapeHtml(t)}</span>`;
      })
      .join(' ');
    const verdict = email.probability > 0.5 ? 'spam' : 'ham';
    return `<section>\n<h2>${escapeHtml(email.id)}: ${email.spam ? 'spam' : 'ham'}; model: ${verdict} (${(email.probability * 100).toFixed(1)}% spam)</h2>\n<p>${words}</p>\n</section>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Spam filter: attention over the words of test e-mails</title>
<style>
body { font-family: sans-serif; max-width: 60rem; margin: 2rem auto; line-height: 1.9; }
h2 { font-size: 1rem; margin-bottom: 0.2rem; }
span { padding: 0.1rem 0.15rem; border-radius: 0.2rem; }
</style>
</head>
<body>
<h1>Which words did the model attend to?</h1>
<p>Held-out e-mails of the SpamAssassin corpus. Each word is shaded by its attention weight (the e-mail's most attended word at full colour; hover for the weight). Only the first tokens the model reads are shown.</p>
${sections.join('\n')}
</body>
</html>
`;
}
