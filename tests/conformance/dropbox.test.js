// Dropbox API v2 through the official `dropbox` SDK, with a node-fetch that
// sends the SDK's api/content/notify hosts to the emulator.
'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const nodeFetch = require('node-fetch');
const { Dropbox, DropboxAuth } = require('dropbox');
const {
  admin, authorizeInBrowser, authorizeRefused, baseUrl, counters, registerClient, uniqueName,
} = require('./lib/harness');

const base = baseUrl('dropbox');
const redirectUri = 'http://127.0.0.1:9/callback';
const user = 'dropbox-conformance@example.com';
const clientId = 'conformance-app-key';
const clientSecret = 'conformance-app-secret';

function toEmulator(url) {
  return String(url).replace(
    /^https:\/\/(api|content|notify)\.dropboxapi\.com\/|^https:\/\/(www\.)?dropbox\.com\//, `${base}/`);
}

// Behaves like node-fetch (the SDK calls res.buffer() on downloads).
function fetch(url, options) {
  return nodeFetch(toEmulator(url), options);
}

async function signIn(auth, who = user) {
  const url = await auth.getAuthenticationUrl(redirectUri, 'st-1', 'code', 'offline', null, 'none', true);
  assert.ok(url.startsWith('https://dropbox.com/oauth2/authorize?'));
  const { code, state } = await authorizeInBrowser(`${toEmulator(url)}&login_hint=${encodeURIComponent(who)}`, redirectUri);
  assert.equal(state, 'st-1');
  const res = await auth.getAccessTokenFromCode(redirectUri, code);
  auth.setAccessToken(res.result.access_token);
  auth.setRefreshToken(res.result.refresh_token);
  auth.setAccessTokenExpiresAt(new Date(Date.now() + res.result.expires_in * 1000));
  return res.result;
}

function newAuth() {
  // No client secret: the PKCE flow sends the code verifier instead.
  return new DropboxAuth({ clientId, fetch });
}

let auth;
let dbx;
let tokens;

before(async () => {
  await registerClient('dropbox', { client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri] });
  auth = newAuth();
  tokens = await signIn(auth);
  dbx = new Dropbox({ auth, fetch });
});

test('OAuth code flow with PKCE returns short-lived and refresh tokens', () => {
  assert.match(tokens.access_token, /^sl\./);
  assert.ok(tokens.refresh_token);
  assert.ok(tokens.expires_in > 0);
  assert.ok(tokens.account_id.startsWith('dbid:'));
});

test('the refresh grant in the query string with an empty body', async () => {
  const other = new DropboxAuth({ clientId, fetch, refreshToken: tokens.refresh_token });
  await other.refreshAccessToken();
  assert.match(other.getAccessToken(), /^sl\./);
  assert.notEqual(other.getAccessToken(), tokens.access_token);
});

test('an unknown app, a wrong app secret and an unregistered redirect URI are refused', async () => {
  const pkce = newAuth();
  const url = await pkce.getAuthenticationUrl(redirectUri, 'st-2', 'code', 'offline', null, 'none', true);
  const { code } = await authorizeInBrowser(`${toEmulator(url)}&login_hint=${encodeURIComponent(user)}`, redirectUri);
  const invalidClient = (err) => err.status === 400 && err.error.error === 'invalid_client';
  const unknown = new DropboxAuth({ clientId: 'unknown-app-key', fetch });
  unknown.setCodeVerifier(pkce.getCodeVerifier());
  await assert.rejects(unknown.getAccessTokenFromCode(redirectUri, code), invalidClient);
  const wrong = new DropboxAuth({ clientId, clientSecret: 'not-the-secret', fetch });
  await assert.rejects(wrong.getAccessTokenFromCode(redirectUri, code), invalidClient);
  // The code was not used up; the token endpoint checks the redirect URI too.
  await assert.rejects(pkce.getAccessTokenFromCode('http://127.0.0.1:9/elsewhere', code),
    (err) => err.status === 400 && err.error.error === 'invalid_grant');
  // A PKCE grant refreshes with the app key alone, never with a wrong secret.
  const withWrongSecret = new DropboxAuth({ clientId, clientSecret: 'not-the-secret', fetch, refreshToken: tokens.refresh_token });
  await assert.rejects(withWrongSecret.refreshAccessToken(), invalidClient);
  const elsewhere = await newAuth().getAuthenticationUrl('http://127.0.0.1:9/elsewhere', 'st-3', 'code', 'offline', null, 'none', true);
  const page = await authorizeRefused(toEmulator(elsewhere));
  assert.equal(page.status, 400);
  assert.match(page.body, /Invalid redirect_uri/);
});

test('account info', async () => {
  const res = await dbx.usersGetCurrentAccount();
  assert.equal(res.result.email, user);
  assert.equal(res.result.account_id, tokens.account_id);
  const usage = await dbx.usersGetSpaceUsage();
  assert.equal(usage.result.allocation['.tag'], 'individual');
});

const folder = `/${uniqueName('conformance')}`;
let fileId;
let firstRev;

test('upload a file', async () => {
  const res = await dbx.filesUpload({ path: `${folder}/Report.docx`, contents: 'first draft', mode: { '.tag': 'add' } });
  assert.equal(res.result.name, 'Report.docx');
  assert.equal(res.result.size, 'first draft'.length);
  assert.match(res.result.id, /^id:/);
  assert.match(res.result.content_hash, /^[0-9a-f]{64}$/);
  fileId = res.result.id;
  firstRev = res.result.rev;
  await assert.rejects(dbx.filesUpload({ path: `${folder}/Report.docx`, contents: 'other' }),
    (err) => err.status === 409 && err.error.error.reason['.tag'] === 'conflict');
});

test('metadata by id and by path; not found is a 409 path error', async () => {
  const byId = await dbx.filesGetMetadata({ path: fileId });
  assert.equal(byId.result.path_display, `${folder}/Report.docx`);
  assert.equal(byId.result.path_lower, `${folder}/report.docx`.toLowerCase());
  assert.equal(byId.result['.tag'], 'file');
  const byPath = await dbx.filesGetMetadata({ path: `${folder}/report.DOCX` });
  assert.equal(byPath.result.id, fileId);
  await assert.rejects(dbx.filesGetMetadata({ path: `${folder}/missing.txt` }), (err) => {
    assert.equal(err.status, 409);
    assert.equal(err.error.error_summary.split('/').slice(0, 2).join('/'), 'path/not_found');
    return true;
  });
});

test('folder listing across pages with list_folder/continue', async () => {
  const paged = `/${uniqueName('paged')}`;
  const files = [];
  for (let i = 0; i < 25; i++) files.push({ path: `${paged}/f${i}.txt`, content: `${i}` });
  await admin('dropbox', 'files', { user, files });
  const names = [];
  let res = await dbx.filesListFolder({ path: paged, limit: 10 });
  let pages = 1;
  names.push(...res.result.entries.map((e) => e.name));
  while (res.result.has_more) {
    res = await dbx.filesListFolderContinue({ cursor: res.result.cursor });
    pages++;
    names.push(...res.result.entries.map((e) => e.name));
  }
  assert.equal(pages, 3);
  assert.equal(new Set(names).size, 25);
});

test('download through the content host with Dropbox-API-Result', async () => {
  const res = await dbx.filesDownload({ path: fileId });
  assert.equal(res.result.fileBinary.toString(), 'first draft');
  assert.equal(res.result.id, fileId);
  assert.equal(res.result.rev, firstRev);
  const link = await dbx.filesGetTemporaryLink({ path: fileId });
  assert.ok(link.result.link.startsWith(base));
  assert.equal(await (await nodeFetch(link.result.link)).text(), 'first draft');
});

test('thumbnail of an image; unsupported_extension for other types', async () => {
  const photo = await dbx.filesUpload({ path: `${folder}/photo.png`, contents: 'png bytes' });
  const res = await dbx.filesGetThumbnailV2({
    resource: { '.tag': 'path', path: photo.result.id }, format: { '.tag': 'jpeg' }, size: { '.tag': 'w64h64' },
  });
  assert.equal(res.result.file_metadata.id, photo.result.id);
  assert.equal(res.result.fileBinary[0], 0xff);
  assert.equal(res.result.fileBinary[1], 0xd8);
  // get_thumbnail_v2 converts images only (ThumbnailV2Error.unsupported_extension).
  await assert.rejects(dbx.filesGetThumbnailV2({ resource: { '.tag': 'path', path: fileId } }), (err) => {
    assert.equal(err.status, 409);
    assert.equal(err.error.error['.tag'], 'unsupported_extension');
    assert.match(err.error.error_summary, /^unsupported_extension\//);
    return true;
  });
  await assert.rejects(dbx.filesGetThumbnail({ path: fileId }),
    (err) => err.status === 409 && err.error.error['.tag'] === 'unsupported_extension');
  // A size outside ThumbnailSize is a 400 with Dropbox's plain-text body.
  await assert.rejects(dbx.filesGetThumbnailV2({
    resource: { '.tag': 'path', path: photo.result.id }, size: { '.tag': 'w100h100' },
  }), (err) => err.status === 400 && /Error in call to API function/.test(err.error));
});

test('preview: PDF for office formats, HTML for spreadsheets, unsupported_extension otherwise', async () => {
  const res = await dbx.filesGetPreview({ path: fileId });
  assert.equal(res.result.fileBinary.subarray(0, 5).toString(), '%PDF-');
  await dbx.filesUpload({ path: `${folder}/numbers.xlsx`, contents: 'a,b' });
  const html = await dbx.filesGetPreview({ path: `${folder}/numbers.xlsx` });
  assert.match(html.result.fileBinary.toString(), /<html/);
  await dbx.filesUpload({ path: `${folder}/plain.txt`, contents: 'x' });
  await dbx.filesUpload({ path: `${folder}/paper.pdf`, contents: '%PDF-1.4' });
  for (const name of ['plain.txt', 'paper.pdf']) {
    await assert.rejects(dbx.filesGetPreview({ path: `${folder}/${name}` }),
      (err) => err.status === 409 && err.error.error['.tag'] === 'unsupported_extension');
  }
});

test('a non-ASCII name through the escaped Dropbox-API-Arg and back', async () => {
  const name = 'Résumé #1?.docx';
  const up = await dbx.filesUpload({ path: `${folder}/${name}`, contents: 'cv' });
  assert.equal(up.result.name, name);
  const down = await dbx.filesDownload({ path: `${folder}/${name}` });
  assert.equal(down.result.name, name);
  assert.equal(down.result.fileBinary.toString(), 'cv');
  const preview = await dbx.filesGetPreview({ path: up.result.id });
  assert.equal(preview.result.name, name);
});

test('arguments outside their documented bounds are 400s', async () => {
  await assert.rejects(dbx.filesListRevisions({ path: fileId, limit: 101 }),
    (err) => err.status === 400 && /limit/.test(err.error));
  await assert.rejects(dbx.filesListFolder({ path: folder, limit: 0 }),
    (err) => err.status === 400 && /limit/.test(err.error));
  await assert.rejects(dbx.filesDownload({ path: 'rev:not-a-rev' }),
    (err) => err.status === 400 && /did not match pattern/.test(err.error));
});

test('revisions: overwrite adds one, rev: downloads the old bytes', async () => {
  const res = await dbx.filesUpload({ path: `${folder}/Report.docx`, contents: 'second draft', mode: { '.tag': 'overwrite' } });
  assert.equal(res.result.id, fileId);
  assert.notEqual(res.result.rev, firstRev);
  const revs = await dbx.filesListRevisions({ path: fileId, mode: { '.tag': 'id' } });
  assert.deepEqual(revs.result.entries.map((e) => e.rev), [res.result.rev, firstRev]);
  const old = await dbx.filesDownload({ path: `rev:${firstRev}` });
  assert.equal(old.result.fileBinary.toString(), 'first draft');
});

test('a revision past retention: list_revisions omits it, rev: is not_found, restore is invalid_revision', async () => {
  // Dropbox keeps revisions for days (30 or 180); the emulator's clock is
  // shared by every suite, so this user's policy keeps only the head instead.
  const who = 'dropbox-retention@example.com';
  await admin('dropbox', 'users', { email: who, name: 'Retention', max_versions: 1 });
  const retAuth = newAuth();
  await signIn(retAuth, who);
  const client = new Dropbox({ auth: retAuth, fetch });
  const first = await client.filesUpload({ path: '/kept.txt', contents: 'one' });
  const second = await client.filesUpload({ path: '/kept.txt', contents: 'two', mode: { '.tag': 'overwrite' } });
  const revs = await client.filesListRevisions({ path: second.result.id, mode: { '.tag': 'id' } });
  assert.deepEqual(revs.result.entries.map((e) => e.rev), [second.result.rev]);
  await assert.rejects(client.filesDownload({ path: `rev:${first.result.rev}` }), (err) => {
    assert.equal(err.status, 409);
    assert.equal(err.error.error['.tag'], 'path');
    assert.equal(err.error.error.path['.tag'], 'not_found');
    return true;
  });
  await assert.rejects(client.filesRestore({ path: '/kept.txt', rev: first.result.rev }),
    (err) => err.status === 409 && err.error.error['.tag'] === 'invalid_revision');
  const restored = await client.filesRestore({ path: '/copy.txt', rev: second.result.rev });
  assert.equal(restored.result.size, 3);
});

test('sharing: no link until one is created', async () => {
  const none = await dbx.sharingListSharedLinks({ path: fileId });
  assert.equal(none.result.links.length, 0);
  const link = await dbx.sharingCreateSharedLinkWithSettings({ path: fileId });
  assert.ok(link.result.url.startsWith(base));
  const one = await dbx.sharingListSharedLinks({ path: fileId });
  assert.equal(one.result.links.length, 1);
});

test('change feed: cursor, longpoll, continue after outside changes', async () => {
  const latest = await dbx.filesListFolderGetLatestCursor({ path: '', recursive: true });
  const cursor = latest.result.cursor;
  const poll = dbx.filesListFolderLongpoll({ cursor, timeout: 30 });
  await new Promise((r) => setTimeout(r, 50));
  await admin('dropbox', 'changes', { id: fileId, action: 'rename', name: 'Renamed.docx' });
  const polled = await poll;
  assert.equal(polled.result.changes, true);
  await admin('dropbox', 'files', { user, files: [{ path: `${folder}/new.txt`, content: 'new' }] });
  const plain = await dbx.filesGetMetadata({ path: `${folder}/plain.txt` });
  await admin('dropbox', 'changes', { id: plain.result.id, action: 'delete' });
  const entries = [];
  let res = await dbx.filesListFolderContinue({ cursor });
  entries.push(...res.result.entries);
  while (res.result.has_more) {
    res = await dbx.filesListFolderContinue({ cursor: res.result.cursor });
    entries.push(...res.result.entries);
  }
  const byPath = new Map(entries.map((e) => [e.path_lower, e]));
  assert.equal(byPath.get(`${folder}/report.docx`.toLowerCase())['.tag'], 'deleted');
  assert.equal(byPath.get(`${folder}/renamed.docx`.toLowerCase()).id, fileId);
  assert.equal(byPath.get(`${folder}/new.txt`.toLowerCase())['.tag'], 'file');
  assert.equal(byPath.get(`${folder}/plain.txt`.toLowerCase())['.tag'], 'deleted');
  const quiet = await dbx.filesListFolderContinue({ cursor: res.result.cursor });
  assert.equal(quiet.result.entries.length, 0);
});

test('a renamed folder is reported with its subtree at the new paths', async () => {
  const top = `/${uniqueName('tree')}`;
  await admin('dropbox', 'files', { user, files: [{ path: `${top}/a/deep.txt`, content: 'd' }] });
  const latest = await dbx.filesListFolderGetLatestCursor({ path: '', recursive: true });
  const { id } = await admin('dropbox', `files?user=${encodeURIComponent(user)}&path=${encodeURIComponent(`${top}/a`)}`);
  await admin('dropbox', 'changes', { id, action: 'rename', name: 'b' });
  const res = await dbx.filesListFolderContinue({ cursor: latest.result.cursor });
  const byPath = new Map(res.result.entries.map((e) => [e.path_lower, e['.tag']]));
  assert.equal(byPath.get(`${top}/a`.toLowerCase()), 'deleted');
  assert.equal(byPath.get(`${top}/b`.toLowerCase()), 'folder');
  assert.equal(byPath.get(`${top}/b/deep.txt`.toLowerCase()), 'file');
});

test('an expired cursor answers 409 reset', async () => {
  const latest = await dbx.filesListFolderGetLatestCursor({ path: '', recursive: true });
  await admin('dropbox', 'files', { user, files: [{ path: `${folder}/after.txt`, content: 'x' }] });
  await admin('dropbox', 'cursors/expire', {});
  await assert.rejects(dbx.filesListFolderContinue({ cursor: latest.result.cursor }),
    (err) => err.status === 409 && err.error.error['.tag'] === 'reset');
});

test('an expiring access token is refreshed by the SDK before the call', async () => {
  await admin('dropbox', 'token-ttl', { seconds: 60 });
  try {
    const other = 'dropbox-expiry@example.com';
    const shortAuth = newAuth();
    await signIn(shortAuth, other);
    const client = new Dropbox({ auth: shortAuth, fetch });
    const before = (await counters('dropbox'))['oauth.token'];
    const old = shortAuth.getAccessToken();
    await admin('dropbox', 'tokens/expire', { user: other });
    const stale = new Dropbox({ accessToken: old, fetch });
    await assert.rejects(stale.usersGetCurrentAccount(),
      (err) => err.status === 401 && err.error.error['.tag'] === 'expired_access_token');
    const res = await client.usersGetCurrentAccount();
    assert.equal(res.result.email, other);
    assert.notEqual(shortAuth.getAccessToken(), old);
    assert.equal((await counters('dropbox'))['oauth.token'], before + 1);
  } finally {
    await admin('dropbox', 'token-ttl', { seconds: 3600 });
  }
});

test('429 surfaces with too_many_requests and Retry-After', async () => {
  await admin('dropbox', 'faults', { path: '^/2/files/list_folder$', status: 429, count: 1, retry_after: 3 });
  await assert.rejects(dbx.filesListFolder({ path: folder }), (err) => {
    assert.equal(err.status, 429);
    assert.equal(err.error.error.reason['.tag'], 'too_many_requests');
    assert.equal(err.error.error.retry_after, 3);
    assert.equal(err.headers.get('retry-after'), '3');
    return true;
  });
  const ok = await dbx.filesListFolder({ path: folder });
  assert.ok(ok.result.entries.length > 0);
});

test('revoked access: refresh answers invalid_grant', async () => {
  const a = newAuth();
  const t = await signIn(a);
  await new Dropbox({ auth: a, fetch }).authTokenRevoke();
  const b = new DropboxAuth({ clientId, fetch, refreshToken: t.refresh_token });
  await assert.rejects(b.refreshAccessToken(), (err) => err.status === 400 && err.error.error === 'invalid_grant');
});
