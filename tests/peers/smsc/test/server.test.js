// Self-test of the SMSC peer (server.js), driven by node-smpp in client mode.
// Run: node --test tests/peers/smsc/test/   (scripts/test does this)
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const smpp = require('smpp');

const SERVER = path.join(__dirname, '..', 'server.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const call = (session, cmd, opts) => new Promise((r) => session[cmd](opts, r));

function startServer(args) {
  const child = spawn(process.execPath, [SERVER, '--port', '0', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), 10000);
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ child, ready: JSON.parse(out.split('\n')[0]), stdout: () => out });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

function control(port, method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, headers: { 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let b = '';
        res.on('data', (c) => { b += c; });
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(b) }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function waitFor(fn, what) {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v) return v;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('SMSC peer: binds, submit_sm, receipts, MO, control API', async () => {
  const { child, ready, stdout } = await startServer(['--dlr-delay-ms', '20']);
  assert.strictEqual(ready.ready, true);
  const cp = ready.control_port;
  const connect = () => {
    const s = smpp.connect({ host: '127.0.0.1', port: ready.smpp_port });
    s.on('error', () => {});
    return s;
  };
  try {
    // wrong password -> ESME_RINVPASWD, then the SMSC closes the socket
    const bad = connect();
    const badResp = await call(bad, 'bind_transceiver', { system_id: 'switchboard', password: 'wrong' });
    assert.strictEqual(badResp.command_status, smpp.ESME_RINVPASWD);
    await new Promise((r) => bad.on('close', r));

    const s = connect();
    const got = [];
    s.on('deliver_sm', (pdu) => { got.push(pdu); s.send(pdu.response()); });
    const bind = await call(s, 'bind_transceiver', { system_id: 'switchboard', password: 'secret', interface_version: 0x34 });
    assert.strictEqual(bind.command_status, 0);
    assert.strictEqual(bind.sc_interface_version, 0x34);
    assert.strictEqual((await call(s, 'enquire_link', {})).command, 'enquire_link_resp');

    // UCS2 part with a concatenation UDH: the raw octets must be recorded as sent
    const octets = Buffer.concat([Buffer.from('050003ab0201', 'hex'), Buffer.from('Hé ☃', 'utf16le').swap16()]);
    const resp = await call(s, 'submit_sm', {
      source_addr: '4930123', source_addr_ton: 1, source_addr_npi: 1,
      destination_addr: '4917012345', dest_addr_ton: 1, dest_addr_npi: 1,
      esm_class: 0x40, data_coding: 8, registered_delivery: 1, short_message: octets,
    });
    assert.strictEqual(resp.command_status, 0);
    assert.match(resp.message_id, /^[0-9a-f]+$/);
    const submits = (await control(cp, 'GET', '/submits')).body;
    assert.strictEqual(submits.length, 1);
    assert.strictEqual(submits[0].short_message_hex, octets.toString('hex'));
    assert.strictEqual(submits[0].message_id, resp.message_id);
    assert.strictEqual(submits[0].esm_class, 0x40);
    assert.strictEqual(submits[0].data_coding, 8);

    // the delivery receipt: text and TLVs
    await waitFor(() => got.length === 1, 'delivery receipt');
    const dlr = got[0];
    assert.strictEqual(dlr.esm_class, 0x04);
    assert.strictEqual(dlr.source_addr, '4917012345');
    assert.strictEqual(dlr.destination_addr, '4930123');
    assert.strictEqual(dlr.receipted_message_id, resp.message_id);
    assert.strictEqual(dlr.message_state, 2);
    assert.match(
      dlr.short_message.message,
      new RegExp(`^id:${resp.message_id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:H\\? \\?$`),
    );
    const delivers = await waitFor(async () => {
      const d = (await control(cp, 'GET', '/delivers')).body;
      return d.length === 1 && d[0].command_status === 0 ? d : null;
    }, 'deliver_sm_resp recorded');
    assert.strictEqual(delivers[0].kind, 'dlr');

    // MO part via the control port
    const mo = await control(cp, 'POST', '/mo', { from: '4917012345', to: '4930123', text: 'Hi', udh_hex: '050003AB0302', esm_class: 0x40 });
    assert.deepStrictEqual(mo.body, { sent: true, index: 1 });
    await waitFor(() => got.length === 2, 'MO deliver_sm');
    assert.strictEqual(got[1].esm_class, 0x40);
    assert.strictEqual(got[1].short_message.message, 'Hi');

    // unknown command -> generic_nack ESME_RINVCMDID
    smpp.addCommand('selftest_bogus', { id: 0x00000777 });
    const nack = await call(s, 'selftest_bogus', {});
    assert.strictEqual(nack.command, 'generic_nack');
    assert.strictEqual(nack.command_status, smpp.ESME_RINVCMDID);

    assert.strictEqual((await call(s, 'unbind', {})).command, 'unbind_resp');
    await new Promise((r) => s.on('close', r));
    const none = await control(cp, 'POST', '/mo', { from: '1', to: '2', text: 'x' });
    assert.strictEqual(none.status, 409);
    assert.deepStrictEqual(none.body, { error: 'no receiver bound' });

    const binds = (await control(cp, 'GET', '/binds')).body;
    assert.deepStrictEqual(binds.map((b) => [b.system_id, b.command, b.status]), [
      ['switchboard', 'bind_transceiver', 0x0e],
      ['switchboard', 'bind_transceiver', 0],
    ]);
  } finally {
    const exited = new Promise((r) => child.on('exit', (code, sig) => r({ code, sig })));
    child.kill('SIGTERM');
    assert.deepStrictEqual(await exited, { code: 0, sig: null });
    assert.strictEqual(stdout().split('\n').filter((l) => l !== '').length, 1, 'exactly one stdout line');
  }
});
