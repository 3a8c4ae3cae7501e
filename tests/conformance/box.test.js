// Box API 2.0 through box-node-sdk (v10) with withCustomBaseUrls.
'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { Readable } = require('node:stream');
const { BoxClient, BoxOAuth, OAuthConfig } = require('box-node-sdk');
const { NetworkSession } = require('box-node-sdk/lib/networking/network');
const { BoxRetryStrategy } = require('box-node-sdk/lib/networking/retries');
const {
  admin, authorizeInBrowser, authorizeRefused, baseUrl, counters, registerClient, uniqueName,
} = require('./lib/harness');

const base = baseUrl('box');
const redirectUri = 'http://127.0.0.1:9/callback';
const user = 'box-conformance@example.com';
const baseUrls = { baseUrl: base, uploadUrl: `${base}/api`, oauth2Url: `${base}/api/oauth2` };

function newAuth(clientId = 'box-client', clientSecret = 'box-secret') {
  return new BoxOAuth({ config: new OAuthConfig({ clientId, clientSecret }) });
}

async function signIn(auth, who = user) {
  const url = auth.getAuthorizeUrl({ redirectUri, state: 'box-state' });
  assert.ok(url.startsWith('https://account.box.com/api/oauth2/authorize?'));
  const local = url.replace('https://account.box.com/api/oauth2', baseUrls.oauth2Url);
  const { code, state } = await authorizeInBrowser(`${local}&login_hint=${encodeURIComponent(who)}`, redirectUri);
  assert.equal(state, 'box-state');
  return auth.getTokensAuthorizationCodeGrant(code, new NetworkSession({ baseUrls }));
}

function clientFor(auth) {
  return new BoxClient({ auth }).withCustomBaseUrls(baseUrls);
}

async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

async function upload(prefix, extension, text) {
  const files = await client.uploads.uploadFile({
    attributes: { name: uniqueName(prefix) + extension, parent: { id: rootFolder } },
    file: Readable.from(Buffer.from(text)),
  });
  return files.entries[0].id;
}

let auth;
let client;
let token;
let rootFolder;

before(async () => {
  await registerClient('box', { client_id: 'box-client', client_secret: 'box-secret', redirect_uris: [redirectUri] });
  auth = newAuth();
  token = await signIn(auth);
  client = clientFor(auth);
  const folder = await client.folders.createFolder({ name: uniqueName('conformance'), parent: { id: '0' } });
  rootFolder = folder.id;
});

test('OAuth code flow returns tokens; refresh tokens are single-use', async () => {
  assert.ok(token.accessToken);
  assert.ok(token.refreshToken);
  const other = newAuth();
  const first = await signIn(other);
  const session = new NetworkSession({ baseUrls });
  const second = await other.refreshToken(session);
  assert.notEqual(second.refreshToken, first.refreshToken, 'Box rotates refresh tokens');
  // Re-using the spent refresh token is refused.
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refreshToken,
      client_id: 'box-client', client_secret: 'box-secret' }),
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, 'invalid_grant');
});

test('an unknown client, a wrong secret and an unregistered redirect URI are refused', async () => {
  const url = newAuth().getAuthorizeUrl({ redirectUri, state: 'box-state' })
    .replace('https://account.box.com/api/oauth2', baseUrls.oauth2Url);
  const { code } = await authorizeInBrowser(`${url}&login_hint=${encodeURIComponent(user)}`, redirectUri);
  const session = new NetworkSession({ baseUrls });
  const invalidClient = (err) => err.responseInfo.statusCode === 400 &&
    err.responseInfo.body.error === 'invalid_client' &&
    err.responseInfo.body.error_description === 'The client credentials are invalid';
  await assert.rejects(newAuth('box-client', 'not-the-secret').getTokensAuthorizationCodeGrant(code, session), invalidClient);
  await assert.rejects(newAuth('unknown-client', 'box-secret').getTokensAuthorizationCodeGrant(code, session), invalidClient);
  // A refused client did not use the code up.
  const token = await newAuth().getTokensAuthorizationCodeGrant(code, session);
  assert.ok(token.refreshToken);
  const elsewhere = newAuth().getAuthorizeUrl({ redirectUri: 'http://127.0.0.1:9/elsewhere', state: 'x' })
    .replace('https://account.box.com/api/oauth2', baseUrls.oauth2Url);
  const page = await authorizeRefused(elsewhere);
  assert.equal(page.status, 400);
  assert.match(page.body, /redirect_uri_mismatch/);
});

test('account info', async () => {
  const me = await client.users.getUserMe();
  assert.equal(me.login, user);
  assert.equal(me.type, 'user');
});

let fileId;
let firstVersion;

test('upload a file to the upload host', async () => {
  const files = await client.uploads.uploadFile({
    attributes: { name: 'notes.txt', parent: { id: rootFolder } },
    file: Readable.from(Buffer.from('box first version')),
  });
  const file = files.entries[0];
  assert.equal(file.name, 'notes.txt');
  assert.equal(file.size, 'box first version'.length);
  assert.match(file.sha1, /^[0-9a-f]{40}$/);
  fileId = file.id;
  firstVersion = file.fileVersion.id;
  await assert.rejects(client.uploads.uploadFile({
    attributes: { name: 'notes.txt', parent: { id: rootFolder } }, file: Readable.from(Buffer.from('x')),
  }), (err) => err.responseInfo.statusCode === 409 && err.responseInfo.body.code === 'item_name_in_use');
});

test('metadata honours fields; not found is a Box error', async () => {
  const file = await client.files.getFileById(fileId, { queryParams: { fields: ['name', 'sha1', 'file_version', 'modified_at'] } });
  assert.equal(file.name, 'notes.txt');
  assert.equal(file.fileVersion.id, firstVersion);
  assert.equal(file.size, undefined, 'fields limits the response');
  const full = await client.files.getFileById(fileId);
  assert.equal(full.parent.id, rootFolder);
  assert.equal(full.pathCollection.entries[0].id, '0');
  assert.equal(full.sharedLink, undefined, 'no shared link unless created');
  await assert.rejects(client.files.getFileById('999999999'), (err) => {
    assert.equal(err.responseInfo.statusCode, 404);
    assert.equal(err.responseInfo.body.code, 'not_found');
    assert.equal(err.responseInfo.body.type, 'error');
    return true;
  });
});

test('folder listing across pages, by offset and by marker', async () => {
  const folder = `/${uniqueName('paged')}`;
  const files = [];
  for (let i = 0; i < 25; i++) files.push({ path: `${folder}/f${i}.txt`, content: `${i}` });
  await admin('box', 'files', { user, files });
  const { id: folderId } = await admin('box', `files?user=${encodeURIComponent(user)}&path=${encodeURIComponent(folder)}`);
  const byOffset = [];
  for (let offset = 0; ; offset += 10) {
    const page = await client.folders.getFolderItems(folderId, { queryParams: { limit: 10, offset } });
    assert.equal(page.totalCount, 25);
    byOffset.push(...page.entries.map((e) => e.name));
    if (offset + 10 >= page.totalCount) break;
  }
  assert.equal(new Set(byOffset).size, 25);
  const byMarker = [];
  let marker;
  let pages = 0;
  do {
    const page = await client.folders.getFolderItems(folderId, { queryParams: { limit: 10, usemarker: true, marker } });
    pages++;
    byMarker.push(...page.entries.map((e) => e.name));
    marker = page.nextMarker || undefined;
  } while (marker);
  assert.equal(pages, 3);
  assert.equal(new Set(byMarker).size, 25);
});

test('download follows the 302 to a short-lived URL on the emulator', async () => {
  const redirect = await fetch(`${base}/2.0/files/${fileId}/content`, {
    redirect: 'manual', headers: { Authorization: `Bearer ${(await auth.retrieveToken()).accessToken}` },
  });
  assert.equal(redirect.status, 302);
  assert.ok(redirect.headers.get('location').startsWith(base));
  const stream = await client.downloads.downloadFile(fileId);
  assert.equal((await readAll(stream)).toString(), 'box first version');
});

test('thumbnails: 202 while Box makes one, then the image; a placeholder redirect for a text file', async () => {
  const image = await upload('photo', '.png', 'image bytes');
  const authz = { Authorization: `Bearer ${(await auth.retrieveToken()).accessToken}` };
  const fresh = await fetch(`${base}/2.0/files/${image}/thumbnail.png?min_width=32&min_height=32`,
    { headers: authz, redirect: 'manual' });
  assert.equal(fresh.status, 202);
  const wait = Number(fresh.headers.get('retry-after'));
  assert.ok(wait >= 1 && wait <= 2, `Retry-After ${wait}`);
  await admin('box', 'clock', { advance_seconds: wait });
  const stream = await client.files.getFileThumbnailById(image, 'png', { queryParams: { minWidth: 32, minHeight: 32 } });
  const bytes = await readAll(stream);
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  const text = await fetch(`${base}/2.0/files/${fileId}/thumbnail.png`, { headers: authz, redirect: 'manual' });
  assert.equal(text.status, 302, 'Box makes no thumbnail of a .txt');
  assert.ok(text.headers.get('location').startsWith(base));
});

// Box makes representations after an upload: a fresh file's are pending
// (content 202 + Retry-After) until the emulator's clock passes the delay.
async function representation(id, hint) {
  const file = await client.files.getFileById(id, {
    queryParams: { fields: ['representations'] }, headers: { xRepHints: `[${hint}]` },
  });
  let rep = file.representations.entries[0];
  assert.equal(rep.representation, hint);
  assert.equal(rep.status.state, 'pending', 'a fresh upload is still being rendered');
  const authz = { Authorization: `Bearer ${(await auth.retrieveToken()).accessToken}` };
  const url = rep.content.urlTemplate.replace('{+asset_path}', '');
  assert.ok(url.startsWith(base));
  const early = await fetch(url, { headers: authz });
  assert.equal(early.status, 202);
  const wait = Number(early.headers.get('retry-after'));
  assert.ok(wait >= 1 && wait <= 2, `Retry-After ${wait}`);
  await admin('box', 'clock', { advance_seconds: wait });
  const info = await fetch(rep.info.url, { headers: authz });
  rep = await info.json();
  assert.equal(rep.status.state, 'success');
  assert.ok(rep.content.urlTemplate === undefined);
  const res = await fetch(rep.content.url_template.replace('{+asset_path}', ''), { headers: authz });
  assert.equal(res.status, 200);
  return Buffer.from(await res.arrayBuffer());
}


test('PDF and extracted text representations are pending after an upload, then ready', async () => {
  const pdf = await representation(await upload('render', '.txt', 'box rendition'), 'pdf');
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const text = await representation(await upload('extract', '.txt', 'box extracted words'), 'extracted_text');
  assert.equal(text.toString(), 'box extracted words');
});

test('a file type Box does not render has no such representation', async () => {
  const zip = await upload('archive', '.zip', 'PK\x03\x04 zipped');
  await admin('box', 'clock', { advance_seconds: 3 });
  const file = await client.files.getFileById(zip, {
    queryParams: { fields: ['representations'] }, headers: { xRepHints: '[pdf][extracted_text]' },
  });
  assert.deepEqual(file.representations.entries, []);
});

test('versions: a new upload makes one; promote restores it', async () => {
  const files = await client.uploads.uploadFileVersion(fileId, {
    attributes: { name: 'notes.txt' }, file: Readable.from(Buffer.from('box second version')),
  });
  const current = files.entries[0].fileVersion.id;
  assert.notEqual(current, firstVersion);
  const versions = await client.fileVersions.getFileVersions(fileId);
  assert.deepEqual(versions.entries.map((v) => v.id), [firstVersion], 'lists previous versions');
  const old = await client.downloads.downloadFile(fileId, { queryParams: { version: firstVersion } });
  assert.equal((await readAll(old)).toString(), 'box first version');
  const promoted = await client.fileVersions.promoteFileVersion(fileId, { requestBody: { id: firstVersion, type: 'file_version' } });
  assert.notEqual(promoted.id, current);
  const now = await client.downloads.downloadFile(fileId);
  assert.equal((await readAll(now)).toString(), 'box first version');
});

test('a free account keeps no version history', async () => {
  const before = await client.fileVersions.getFileVersions(fileId);
  assert.ok(before.entries.length >= 1);
  const old = before.entries[0].id;
  await admin('box', 'users', { email: user, paid: false });
  try {
    const versions = await client.fileVersions.getFileVersions(fileId);
    assert.equal(versions.totalCount, 0);
    assert.deepEqual(versions.entries, []);
    await assert.rejects(client.downloads.downloadFile(fileId, { queryParams: { version: old } }), (err) => {
      assert.equal(err.responseInfo.statusCode, 404);
      return true;
    });
    const raw = await fetch(`${base}/2.0/files/${fileId}/content?version=${old}`, {
      headers: { Authorization: `Bearer ${(await auth.retrieveToken()).accessToken}` }, redirect: 'manual',
    });
    assert.equal(raw.status, 404);
    assert.equal((await raw.json()).code, 'not_found');
  } finally {
    await admin('box', 'users', { email: user, paid: true });
  }
});

test('shared link only when explicitly created', async () => {
  const file = await client.sharedLinksFiles.addShareLinkToFile(fileId, { sharedLink: { access: 'open' } }, { fields: 'shared_link' });
  assert.ok(file.sharedLink.url.startsWith(base));
});

test('events from a stream position after outside changes', async () => {
  const now = await client.events.getEvents({ streamType: 'changes', streamPosition: 'now' });
  const position = now.nextStreamPosition;
  await admin('box', 'changes', { id: fileId, action: 'rename', name: 'renamed.txt' });
  const seeded = await admin('box', 'files', { user, files: [{ path: '/box-events/new.txt', content: 'n' }] });
  await admin('box', 'changes', { id: seeded.files[0].id, action: 'delete' });
  const events = [];
  let pos = position;
  for (;;) {
    const page = await client.events.getEvents({ streamType: 'changes', streamPosition: String(pos), limit: 1 });
    events.push(...page.entries);
    if (page.entries.length === 0) break;
    pos = page.nextStreamPosition;
  }
  const rename = events.find((e) => e.source && e.source.id === fileId);
  assert.equal(rename.eventType, 'ITEM_RENAME');
  assert.equal(rename.source.name, 'renamed.txt');
  const trashed = events.find((e) => e.source && e.source.id === seeded.files[0].id);
  assert.equal(trashed.eventType, 'ITEM_TRASH');
  const realtime = await fetch(`${base}/2.0/events`, {
    method: 'OPTIONS', headers: { Authorization: `Bearer ${(await auth.retrieveToken()).accessToken}` },
  });
  const server = (await realtime.json()).entries[0];
  assert.ok(server.url.startsWith(base));
  const poll = fetch(`${server.url}&stream_position=${pos}`);
  await admin('box', 'changes', { id: fileId, action: 'content', content: 'changed' });
  assert.equal((await (await poll).json()).message, 'new_change');
});

test('an expired access token is refreshed by the SDK on 401', async () => {
  const other = 'box-expiry@example.com';
  const a = newAuth();
  await signIn(a, other);
  const c = clientFor(a);
  const before = (await counters('box'))['oauth.token'];
  const old = (await a.retrieveToken()).accessToken;
  await admin('box', 'tokens/expire', { user: other });
  const me = await c.users.getUserMe();
  assert.equal(me.login, other);
  assert.notEqual((await a.retrieveToken()).accessToken, old);
  assert.equal((await counters('box'))['oauth.token'], before + 1);
});

test('429 surfaces with rate_limit_exceeded when retries are exhausted', async () => {
  await admin('box', 'faults', { path: '^/2.0/users/me$', status: 429, count: 1, retry_after: 0 });
  const retried = await client.users.getUserMe();
  assert.equal(retried.login, user, 'the SDK retries a 429 by itself');
  const noRetry = new BoxClient({
    auth, networkSession: new NetworkSession({ baseUrls, retryStrategy: new BoxRetryStrategy({ maxAttempts: 1 }) }),
  });
  await admin('box', 'faults', { path: '^/2.0/users/me$', status: 429, count: 1, retry_after: 5 });
  await assert.rejects(noRetry.users.getUserMe(), (err) => {
    assert.equal(err.responseInfo.statusCode, 429);
    assert.equal(err.responseInfo.body.code, 'rate_limit_exceeded');
    assert.equal(err.responseInfo.headers['retry-after'], '5');
    return true;
  });
});

test('revoking access makes refresh fail with invalid_grant', async () => {
  const a = newAuth();
  const t = await signIn(a, 'box-revoke@example.com');
  await admin('box', `users/${encodeURIComponent('box-revoke@example.com')}/revoke`, {});
  const res = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: t.refreshToken,
      client_id: 'box-client', client_secret: 'box-secret' }),
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, 'invalid_grant');
});
