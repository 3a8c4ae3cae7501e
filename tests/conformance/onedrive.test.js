// OneDrive through Microsoft Graph: @microsoft/microsoft-graph-client with
// tokens from @azure/msal-node, over TLS (NODE_EXTRA_CA_CERTS trusts the
// emulator's self-signed certificate).
'use strict';

const { test, before } = require('node:test');
const assert = require('node:assert/strict');
const { ConfidentialClientApplication, CryptoProvider } = require('@azure/msal-node');
const { Client, RetryHandlerOptions } = require('@microsoft/microsoft-graph-client');
const { admin, authorizeInBrowser, baseUrl, counters, uniqueName } = require('./lib/harness');

const base = baseUrl('onedrive');
const host = new URL(base).host;
const redirectUri = 'http://localhost:9/callback';
const user = 'onedrive-conformance@example.com';
const scopes = ['Files.ReadWrite', 'User.Read', 'offline_access'];

// `tenant`: common (personal and work accounts) or organizations (work
// accounts only), as the product's onedrive and onedrive-business entries.
function newMsal(tenant = 'common') {
  return new ConfidentialClientApplication({
    auth: {
      clientId: '4a1aa1d5-c567-49d0-ad0b-cd957a47f842',
      clientSecret: 'graph-secret',
      authority: `${base}/${tenant}`,
      knownAuthorities: [host],
    },
  });
}

async function signIn(msal, who = user) {
  const crypto = new CryptoProvider();
  const { verifier, challenge } = await crypto.generatePkceCodes();
  const url = await msal.getAuthCodeUrl({
    scopes, redirectUri, codeChallenge: challenge, codeChallengeMethod: 'S256', loginHint: who, state: 'g-state',
  });
  assert.ok(url.startsWith(`${base}/`) && url.includes('/oauth2/v2.0/authorize?'));
  const { code, state } = await authorizeInBrowser(url, redirectUri);
  assert.equal(state, 'g-state');
  return msal.acquireTokenByCode({ code, scopes, redirectUri, codeVerifier: verifier });
}

function graphFor(msal, account) {
  return Client.init({
    baseUrl: `${base}/`,
    customHosts: new Set([new URL(base).hostname]),
    authProvider: (done) => {
      msal.acquireTokenSilent({ account, scopes })
        .then((r) => done(null, r.accessToken))
        .catch((e) => done(e, null));
    },
  });
}

let msal;
let result;
let graph;

before(async () => {
  msal = newMsal();
  result = await signIn(msal);
  graph = graphFor(msal, result.account);
});

test('OAuth code flow with PKCE through MSAL', () => {
  assert.ok(result.accessToken);
  assert.equal(result.account.username, user);
  assert.ok(result.expiresOn > new Date());
});

test('refresh through MSAL with the cached refresh token', async () => {
  const refreshed = await msal.acquireTokenSilent({ account: result.account, scopes, forceRefresh: true });
  assert.ok(refreshed.accessToken);
  assert.notEqual(refreshed.accessToken, result.accessToken);
});

test('account info: /me and /me/drive', async () => {
  const me = await graph.api('/me').get();
  assert.equal(me.userPrincipalName, user);
  const drive = await graph.api('/me/drive').get();
  assert.equal(drive.driveType, 'personal');
  assert.equal(drive.quota.state, 'normal');
});

const folder = uniqueName('conformance');
let itemId;
let firstVersion;

test('upload with PUT .../content', async () => {
  const created = await graph.api('/me/drive/root/children').post({ name: folder, folder: {} });
  assert.ok(created.folder);
  const item = await graph.api(`/me/drive/items/${created.id}:/report.txt:/content`).put(Buffer.from('graph first'));
  assert.equal(item.name, 'report.txt');
  assert.equal(item.size, 'graph first'.length);
  // A personal drive: sha1Hash and quickXorHash (sha256Hash is "not
  // supported" in the hashes resource).
  assert.match(item.file.hashes.sha1Hash, /^[0-9A-F]{40}$/);
  assert.equal(item.file.hashes.quickXorHash, 'Z5BDGOCABhCYIQ1ykwMdAAAAAAA=');
  assert.equal(item.file.hashes.sha256Hash, undefined);
  assert.equal(item.parentReference.driveType, 'personal');
  itemId = item.id;
});

test('metadata by id and by path; not found is itemNotFound', async () => {
  const byId = await graph.api(`/me/drive/items/${itemId}`).get();
  assert.equal(byId.parentReference.path, `/drive/root:/${folder}`);
  assert.ok(byId['@microsoft.graph.downloadUrl'].startsWith(base));
  assert.match(byId.eTag, /^"\{/);
  const byPath = await graph.api(`/me/drive/root:/${folder}/report.txt`).get();
  assert.equal(byPath.id, itemId);
  await assert.rejects(graph.api('/me/drive/items/01NOSUCHITEM').get(), (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'itemNotFound');
    return true;
  });
});

test('folder listing across pages with @odata.nextLink', async () => {
  const paged = `/${uniqueName('paged')}`;
  const files = [];
  for (let i = 0; i < 25; i++) files.push({ path: `${paged}/f${i}.txt`, content: `${i}` });
  await admin('onedrive', 'files', { user, files });
  const names = [];
  let page = await graph.api(`/me/drive/root:${paged}:/children`).top(10).get();
  let pages = 1;
  names.push(...page.value.map((v) => v.name));
  while (page['@odata.nextLink']) {
    assert.ok(page['@odata.nextLink'].startsWith(base));
    page = await graph.api(page['@odata.nextLink']).get();
    pages++;
    names.push(...page.value.map((v) => v.name));
  }
  assert.equal(pages, 3);
  assert.equal(new Set(names).size, 25);
});

test('download follows the 302 to a short-lived URL', async () => {
  const redirect = await fetch(`${base}/v1.0/me/drive/items/${itemId}/content`, {
    redirect: 'manual', headers: { Authorization: `Bearer ${result.accessToken}` },
  });
  assert.equal(redirect.status, 302);
  assert.ok(redirect.headers.get('location').startsWith(base));
  const bytes = await graph.api(`/me/drive/items/${itemId}/content`).responseType('arraybuffer').get();
  assert.equal(Buffer.from(bytes).toString(), 'graph first');
});

test('thumbnails', async () => {
  const thumbs = await graph.api(`/me/drive/items/${itemId}/thumbnails`).get();
  const url = thumbs.value[0].medium.url;
  assert.ok(url.startsWith(base));
  const img = Buffer.from(await (await fetch(url)).arrayBuffer());
  assert.equal(img[0], 0xff);
  assert.equal(img[1], 0xd8);
});

test('PDF with ?format=pdf from the documented source formats only', async () => {
  const docx = await graph.api(`/me/drive/root:/${folder}/budget.docx:/content`).put(Buffer.from('budget words'));
  const bytes = await graph.api(`/me/drive/items/${docx.id}/content`).query({ format: 'pdf' }).responseType('arraybuffer').get();
  assert.equal(Buffer.from(bytes).subarray(0, 5).toString(), '%PDF-');
  // A .txt is not one of them: 406 notSupported.
  await assert.rejects(graph.api(`/me/drive/items/${itemId}/content`).query({ format: 'pdf' }).get(), (err) => {
    assert.equal(err.statusCode, 406);
    assert.equal(err.code, 'notSupported');
    assert.equal(JSON.parse(err.body).innerError.code, 'invalidFileFormat');
    return true;
  });
});

test('preview is refused on a personal drive (OneDrive for Business and SharePoint only)', async () => {
  await assert.rejects(graph.api(`/me/drive/items/${itemId}/preview`).post({}), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'invalidRequest');
    assert.equal(err.message, 'API not found');
    return true;
  });
});

test('versions: replace adds one, old content by version id', async () => {
  const before = await graph.api(`/me/drive/items/${itemId}/versions`).get();
  firstVersion = before.value[0].id;
  await graph.api(`/me/drive/items/${itemId}/content`).put(Buffer.from('graph second'));
  const after = await graph.api(`/me/drive/items/${itemId}/versions`).get();
  assert.equal(after.value.length, 2);
  assert.equal(after.value[1].id, firstVersion);
  const old = await graph.api(`/me/drive/items/${itemId}/versions/${firstVersion}/content`).responseType('arraybuffer').get();
  assert.equal(Buffer.from(old).toString(), 'graph first');
  // The current version's bytes come from the item, never from versions/.
  await assert.rejects(graph.api(`/me/drive/items/${itemId}/versions/${after.value[0].id}/content`).get(), (err) => {
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'invalidRequest');
    assert.equal(err.message, 'You cannot get the content of the current version.');
    return true;
  });
});

test('versions beyond the account\'s cap are gone: itemNotFound', async () => {
  const capped = 'onedrive-capped@example.com';
  await admin('onedrive', 'users', { email: capped, max_versions: 2 });
  const seeded = await admin('onedrive', 'files', {
    user: capped, files: [{ path: `/${uniqueName('capped')}.txt`, revisions: ['one', 'two', 'three'] }],
  });
  const m = newMsal();
  const r = await signIn(m, capped);
  const g = graphFor(m, r.account);
  const versions = await g.api(`/me/drive/items/${seeded.files[0].id}/versions`).get();
  assert.deepEqual(versions.value.map((v) => v.id), ['3.0', '2.0']);
  await assert.rejects(g.api(`/me/drive/items/${seeded.files[0].id}/versions/1.0`).get(), (err) => {
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'itemNotFound');
    return true;
  });
});

test('a work account: business drive, quickXorHash only, preview', async () => {
  const worker = 'onedrive-worker@contoso.example';
  await admin('onedrive', 'users', { email: worker, account_type: 'business' });
  const m = newMsal('organizations');
  const r = await signIn(m, worker);
  const g = graphFor(m, r.account);
  const drive = await g.api('/me/drive').get();
  assert.equal(drive.driveType, 'business');
  assert.ok(drive.id.startsWith('b!'));
  const item = await g.api(`/me/drive/root:/${uniqueName('plan')}.docx:/content`).put(Buffer.from('graph first'));
  assert.deepEqual(item.file.hashes, { quickXorHash: 'Z5BDGOCABhCYIQ1ykwMdAAAAAAA=' });
  assert.equal(item.parentReference.driveType, 'business');
  const preview = await g.api(`/me/drive/items/${item.id}/preview`).post({});
  assert.ok(preview.getUrl.startsWith(base));
  const page = await fetch(preview.getUrl);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /plan-.*\.docx/);
});

test('sharing link only when created', async () => {
  const before = await graph.api(`/me/drive/items/${itemId}`).get();
  assert.equal(before.shared, undefined);
  const link = await graph.api(`/me/drive/items/${itemId}/createLink`).post({ type: 'view', scope: 'anonymous' });
  assert.ok(link.link.webUrl.startsWith(base));
});

test('delta: enumeration, token=latest, outside changes, 410 for an expired token', async () => {
  let page = await graph.api('/me/drive/root/delta').top(5).get();
  let pages = 1;
  while (page['@odata.nextLink']) {
    page = await graph.api(page['@odata.nextLink']).get();
    pages++;
  }
  assert.ok(pages > 1);
  assert.ok(page['@odata.deltaLink'].startsWith(base));
  const drive = await graph.api('/me/drive').get();
  const latest = await graph.api(`/drives/${drive.id}/root/delta`).query({ token: 'latest' }).get();
  assert.equal(latest.value.length, 0);
  const deltaLink = latest['@odata.deltaLink'];
  await admin('onedrive', 'changes', { id: itemId, action: 'rename', name: 'renamed.txt' });
  const seeded = await admin('onedrive', 'files', { user, files: [{ path: `/${folder}/gone.txt`, content: 'g' }] });
  await admin('onedrive', 'changes', { id: seeded.files[0].id, action: 'delete' });
  const changes = await graph.api(deltaLink).get();
  const byId = new Map(changes.value.map((v) => [v.id, v]));
  assert.equal(byId.get(itemId).name, 'renamed.txt');
  assert.deepEqual(byId.get(seeded.files[0].id).deleted, { state: 'deleted' });
  await admin('onedrive', 'cursors/expire', {});
  let restart;
  await assert.rejects(graph.api(changes['@odata.deltaLink']).get(), (err) => {
    assert.equal(err.statusCode, 410);
    assert.equal(err.code, 'resyncRequired');
    assert.equal(JSON.parse(err.body).innerError.code, 'resyncChangesApplyDifferences');
    restart = err.headers.get('location');
    return true;
  });
  // Location: a nextLink that enumerates from scratch.
  assert.ok(restart.startsWith(base));
  const fresh = await graph.api(restart).get();
  assert.ok(fresh.value[0].root);
});

test('an expiring token is refreshed by MSAL before the call', async () => {
  const other = 'onedrive-expiry@example.com';
  await admin('onedrive', 'token-ttl', { seconds: 60 });
  try {
    const m = newMsal();
    const r = await signIn(m, other);
    const g = graphFor(m, r.account);
    await admin('onedrive', 'tokens/expire', { user: other });
    const before = (await counters('onedrive'))['oauth.token'];
    const me = await g.api('/me').get();
    assert.equal(me.userPrincipalName, other);
    assert.equal((await counters('onedrive'))['oauth.token'], before + 1);
    const stale = await fetch(`${base}/v1.0/me`, { headers: { Authorization: `Bearer ${r.accessToken}` } });
    assert.equal(stale.status, 401);
    assert.equal((await stale.json()).error.code, 'InvalidAuthenticationToken');
  } finally {
    await admin('onedrive', 'token-ttl', { seconds: 3600 });
  }
});

test('429 with Retry-After: retried by the SDK, surfaced when retries are off', async () => {
  await admin('onedrive', 'faults', { path: '^/v1.0/me$', status: 429, count: 1, retry_after: 0 });
  const me = await graph.api('/me').get();
  assert.equal(me.userPrincipalName, user);
  await admin('onedrive', 'faults', { path: '^/v1.0/me$', status: 429, count: 1, retry_after: 4 });
  await assert.rejects(graph.api('/me').middlewareOptions([new RetryHandlerOptions(0, 0)]).get(), (err) => {
    assert.equal(err.statusCode, 429);
    assert.equal(err.code, 'activityLimitReached');
    assert.equal(err.headers.get('retry-after'), '4');
    return true;
  });
});
