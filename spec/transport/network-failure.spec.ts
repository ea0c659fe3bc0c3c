/**
 * #17: a REST send from a browser page that fails before any answer, on another origin,
 * names the CORS preflight as the likely cause and the way around it.
 */
import { networkFailureMessage, pageOrigin } from '../../lib/transport/http';

const base = { where: '/api/ide/io/send', reason: 'ERR_NETWORK', url: 'https://rexsys.example.com/api/ide/io/send', noResponse: true } as const;

describe('networkFailureMessage', () => {
  it('browser, another origin, JSON body, no answer: names the preflight and restBody: form', () => {
    const m = networkFailureMessage({ ...base, body: 'json', pageOrigin: 'https://kiosk.example.org' });
    expect(m).toMatch(/^POST \/api\/ide\/io\/send failed: ERR_NETWORK\. /);
    expect(m).toContain('CORS preflight');
    expect(m).toContain("restBody: 'form'");
    expect(m).toContain('https://kiosk.example.org');
    expect(m).toContain('https://rexsys.example.com');
  });

  it('browser, another origin, form or text body: no preflight, but the CORS header may be missing', () => {
    for (const body of ['form', 'text'] as const) {
      const m = networkFailureMessage({ ...base, body, pageOrigin: 'https://kiosk.example.org' });
      expect(m).not.toContain('preflight');
      expect(m).toContain('Access-Control-Allow-Origin');
    }
  });

  it('no hint in Node, on the same origin, or when the server answered', () => {
    const plain = 'POST /api/ide/io/send failed: ERR_NETWORK';
    expect(networkFailureMessage({ ...base, body: 'json', pageOrigin: undefined })).toBe(plain);
    expect(networkFailureMessage({ ...base, body: 'json', pageOrigin: 'https://rexsys.example.com' })).toBe(plain);
    expect(networkFailureMessage({ ...base, body: 'json', pageOrigin: 'https://kiosk.example.org', noResponse: false })).toBe(plain);
  });

  it('pageOrigin is undefined under Node, the page origin in a (simulated) browser', () => {
    expect(pageOrigin()).toBeUndefined();
    const g = globalThis as Record<string, unknown>;
    const saved = { window: g.window, location: g.location, process: g.process };
    try {
      g.window = {};
      g.location = { origin: 'https://kiosk.example.org' };
      g.process = undefined;
      expect(pageOrigin()).toBe('https://kiosk.example.org');
    } finally {
      g.process = saved.process;
      delete g.window;
      delete g.location;
    }
  });
});
