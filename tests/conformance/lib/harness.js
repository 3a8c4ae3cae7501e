// Shared by the suites: emulator URLs from the environment (set by run.sh),
// the admin API, and the browser half of an OAuth code flow.
'use strict';

const assert = require('node:assert/strict');

function baseUrl(provider) {
  const name = `LC_EMULATOR_${provider.toUpperCase()}_URL`;
  const url = process.env[name];
  if (!url) throw new Error(`${name} is not set; run the suites with run.sh`);
  return url.replace(/\/$/, '');
}

// Calls the emulator's admin API on a provider's port.
async function admin(provider, path, body, method) {
  const res = await fetch(`${baseUrl(provider)}/_emulator/${path}`, {
    method: method || (body === undefined ? 'GET' : 'POST'),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

// Plays the user's browser: follows the authorize URL without following the
// redirect, and returns the code and state the redirect carries.
async function authorizeInBrowser(authorizeUrl, expectedRedirect) {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  assert.equal(res.status, 302, `authorize answered ${res.status}`);
  const location = new URL(res.headers.get('location'));
  if (expectedRedirect) {
    assert.equal(`${location.origin}${location.pathname}`, expectedRedirect);
  }
  const error = location.searchParams.get('error');
  if (error) throw new Error(`authorize refused: ${error}`);
  return {
    code: location.searchParams.get('code'),
    state: location.searchParams.get('state'),
  };
}

// Registers the suite's OAuth client at the emulator ({client_id,
// client_secret, redirect_uris}): from then on the provider's authorize and
// token endpoints refuse other clients, wrong secrets and redirect URIs that
// are not registered, in the provider's own form, as the real one does.
async function registerClient(provider, client) {
  return admin(provider, 'clients', client);
}

// Plays the browser at an authorize URL the provider must refuse: an error
// page (HTML), never a redirect to the client. Returns status and page.
async function authorizeRefused(authorizeUrl) {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  const body = await res.text();
  assert.ok(res.status === 400 || res.status === 401, `authorize answered ${res.status}: ${body}`);
  assert.equal(res.headers.get('location'), null, 'a refused authorization never redirects');
  assert.match(res.headers.get('content-type'), /^text\/html/);
  return { status: res.status, body };
}

// Counters of operations the emulator served, by operation name.
async function counters(provider) {
  return (await admin(provider, 'counters')).operations;
}

function uniqueName(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

module.exports = {
  admin, authorizeInBrowser, authorizeRefused, baseUrl, counters, registerClient, uniqueName,
};
