// The inbox's session cookie cannot be planted: anywhere but plain-http
// localhost it is `__Host-lb_session` (Secure, Path=/, no Domain, so no
// sibling subdomain can set or shadow it), and a request carrying two
// session cookies is refused (sent to sign-in, the cookies cleared), as
// either could be the planted one. No browser: the requests a browser sends.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawnApp } from './support/app.mjs';

let app;
before(async () => {
  app = await spawnApp();
});
after(() => app?.stop());

/** A raw HTTP request to the app, with any Host header (fetch would not send one). */
function raw(method, path, headers, body) {
  const { hostname, port } = new URL(app.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs in with a fresh one-time link as a browser at `host` would; the Set-Cookie headers. */
async function signIn(ws, host = new URL(app.baseUrl).host) {
  const link = new URL((await app.api(ws.api_key, 'POST', '/api/v1/inbox-links')).body.url).searchParams.get('link');
  const body = new URLSearchParams({ link }).toString();
  const response = await raw('POST', '/app/sign-in', { Host: host, Origin: `http://${host}`, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) }, body);
  assert.equal(response.status, 303, response.text);
  return response.headers['set-cookie'];
}

const valueOf = (setCookie) => setCookie.split(';')[0].split('=')[1];
const inbox = (cookie, host = new URL(app.baseUrl).host) => raw('GET', '/app', { Host: host, Cookie: cookie });

test('on plain-http localhost the cookie is lb_session for the whole site, not Secure', async () => {
  const ws = await app.createWorkspace({ name: 'Local' });
  const [cookie] = await signIn(ws);
  assert.match(cookie, /^lb_session=lbs_\w+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
  assert.equal((await inbox(`lb_session=${valueOf(cookie)}`)).status, 200);
});

test('anywhere else it is __Host-lb_session, Secure, Path=/, no Domain; the plain name is not taken there', async () => {
  const ws = await app.createWorkspace({ name: 'Public' });
  const host = 'leads.example.test';
  const [cookie] = await signIn(ws, host);
  assert.match(cookie, /^__Host-lb_session=lbs_\w+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure$/);
  assert.doesNotMatch(cookie, /Domain/i);
  const secret = valueOf(cookie);
  assert.equal((await inbox(`__Host-lb_session=${secret}`, host)).status, 200);
  const planted = await inbox(`lb_session=${secret}`, host);
  assert.equal(planted.status, 303, 'a cookie a sibling subdomain could set is not a session here');
  assert.equal(planted.headers.location, '/app/sign-in');
});

test('a request carrying two session cookies is refused, whichever comes first, and both are cleared', async () => {
  const [mine, theirs] = [await app.createWorkspace({ name: 'Mine' }), await app.createWorkspace({ name: 'Attacker' })];
  const [own, planted] = [valueOf((await signIn(mine))[0]), valueOf((await signIn(theirs))[0])];
  for (const cookie of [`lb_session=${planted}; lb_session=${own}`, `lb_session=${own}; other=1; lb_session=${planted}`]) {
    const refused = await inbox(cookie);
    assert.equal(refused.status, 303, cookie);
    assert.equal(refused.headers.location, '/app/sign-in');
    const cleared = refused.headers['set-cookie'];
    assert.ok(cleared.some((c) => /^lb_session=; Path=\/;.*Max-Age=0/.test(c)), 'the session cookie is cleared');
    assert.ok(cleared.some((c) => /^lb_session=; Path=\/app;.*Max-Age=0/.test(c)), 'and the one earlier releases scoped to /app');
  }
  assert.equal((await inbox(`lb_session=${own}`)).status, 200, 'each alone still works');
});
