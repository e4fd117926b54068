// Every error answer of the API is an RFC 9457 problem document, sent as
// `application/problem+json`; the client turns it into one error class so
// callers branch on `type` (stable) instead of parsing messages.
import type { components } from './schema';

export type Problem = components['schemas']['Problem'];
export type FieldProblem = components['schemas']['FieldProblem'];

export class LeadsBotProblem extends Error {
  /** `urn:leadsbot:problem:<slug>`, stable for programs to branch on. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** Each bad field and why (422, and 400 for unknown fields). */
  readonly errors: FieldProblem[];
  /** The whole document, with any member this release of the client does not name. */
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`);
    this.name = 'LeadsBotProblem';
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.problem = problem;
  }
}

/**
 * The problem an error answer carries. An answer that is not a problem
 * document (a proxy's HTML page, say) still becomes one, typed `about:blank`
 * as RFC 9457 says, so callers catch a single class.
 */
export async function problemFrom(response: Response): Promise<LeadsBotProblem> {
  const text = await response.text();
  if (/json/.test(response.headers.get('content-type') ?? '')) {
    try {
      const body = JSON.parse(text);
      if (body && typeof body.type === 'string' && typeof body.title === 'string') {
        return new LeadsBotProblem({ detail: '', ...body, status: body.status ?? response.status });
      }
    } catch {
      // Not JSON after all: described below like any other body.
    }
  }
  const detail = text.slice(0, 200) || 'the answer had no body';
  return new LeadsBotProblem({ type: 'about:blank', title: response.statusText || 'HTTP error', status: response.status, detail });
}
