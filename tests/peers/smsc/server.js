#!/usr/bin/env node
// Independent SMSC peer for switchboard's integration tests, built on the npm
// package `smpp` (node-smpp, server mode) so the Rust ESME is checked against
// an SMPP implementation nobody on the team wrote. Install: `npm ci` here.
//
//   node server.js [--port N] [--control-port N] [--system-id S] [--password P]
//                  [--dlr-delay-ms N] [--dlr-style text|tlv|both|none]
//                  [--sc-interface-version N|none] [--exit-on-stdin-close]
//                  [--verbose]
//
// Listens on 127.0.0.1 (port 0 = any free port). When ready prints exactly one
// line to stdout: {"ready":true,"smpp_port":P,"control_port":C}; logs go to
// stderr. Runs until SIGTERM/SIGINT (or stdin EOF with --exit-on-stdin-close).
//
// SMPP: bind_transmitter/receiver/transceiver (wrong system_id -> 0x0F,
// wrong password -> 0x0E; the socket is closed after a failed bind),
// enquire_link, unbind, submit_sm (answered with a hex message id; when
// registered_delivery & 1 a delivery receipt deliver_sm follows after
// --dlr-delay-ms on a receiver/transceiver of the same system_id, queued
// until one is bound). A deliver_sm left unanswered when its connection
// closes, or answered 0x58/0x64, is sent again (up to 5 attempts); every send
// is a new entry in /delivers. Anything else gets generic_nack ESME_RINVCMDID.
//
// HTTP control API on 127.0.0.1:C (JSON):
//   GET  /submits     every submit_sm received (raw short_message octets hex)
//   GET  /delivers    every deliver_sm sent (DLRs and MOs), with command_status
//                     of the answer (null until answered)
//   GET  /binds       every bind attempt {system_id, command, status, at_ms, ...}
//   GET  /sessions    open SMPP connections {system_id, mode, bound, remote_port}
//   POST /mo          {"from","to","text"?,"hex"?,"data_coding"?,"esm_class"?,
//                      "udh_hex"?, "payload"?, "from_ton"?, "from_npi"?,
//                      "to_ton"?, "to_npi"?}
//                     -> {"sent":true,"index":i} or 409 {"error":"no receiver bound"}
//   POST /config      {"dlr_delay_ms"?, "dlr_style"?, "dlr_stat"?, "dlr_err"?,
//                      "submit_error_status"?, "submit_error_count"?}
//   POST /disconnect  drop every SMPP connection abruptly -> {"closed":n}
//   POST /reset       forget recorded submits/delivers/binds
'use strict';

const http = require('http');
const smpp = require('smpp');

// ---------------------------------------------------------------- arguments

function usage(msg) {
  if (msg) process.stderr.write(`server.js: ${msg}\n`);
  process.stderr.write(
    'usage: node server.js [--port N] [--control-port N] [--system-id S] [--password P]\n' +
      '       [--dlr-delay-ms N] [--dlr-style text|tlv|both|none]\n' +
      '       [--sc-interface-version N|none] [--exit-on-stdin-close] [--verbose]\n',
  );
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    port: 0,
    controlPort: 0,
    systemId: 'switchboard',
    password: 'secret',
    dlrDelayMs: 100,
    dlrStyle: 'both',
    scInterfaceVersion: 0x34,
    exitOnStdinClose: false,
    verbose: false,
  };
  const int = (name, v) => {
    if (v === undefined || !/^(0x[0-9a-fA-F]+|\d+)$/.test(v)) usage(`${name} needs a number`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let val;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      val = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const next = () => (val !== undefined ? val : argv[++i]);
    switch (arg) {
      case '--port': opts.port = int(arg, next()); break;
      case '--control-port': opts.controlPort = int(arg, next()); break;
      case '--system-id': opts.systemId = next(); break;
      case '--password': opts.password = next(); break;
      case '--dlr-delay-ms': opts.dlrDelayMs = int(arg, next()); break;
      case '--dlr-style': opts.dlrStyle = next(); break;
      case '--sc-interface-version': {
        const v = next();
        opts.scInterfaceVersion = v === 'none' ? null : int(arg, v);
        break;
      }
      case '--exit-on-stdin-close': opts.exitOnStdinClose = true; break;
      case '--verbose': opts.verbose = true; break;
      case '--help': case '-h': usage(); break;
      default: usage(`unknown argument ${arg}`);
    }
  }
  if (opts.systemId === undefined || opts.password === undefined) usage('missing value');
  if (!['text', 'tlv', 'both', 'none'].includes(opts.dlrStyle)) usage('--dlr-style must be text|tlv|both|none');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

function log(...args) {
  process.stderr.write(`[smsc ${new Date().toISOString()}] ${args.join(' ')}\n`);
}
function debug(...args) {
  if (opts.verbose) log(...args);
}

// ------------------------------------------------------ node-smpp adjustments

// Keep every received PDU's raw octets (non-enumerable, so node-smpp's own
// encode/filter loops never see it).
const origFromBuffer = smpp.PDU.prototype.fromBuffer;
smpp.PDU.prototype.fromBuffer = function (buffer) {
  Object.defineProperty(this, 'raw', { value: buffer, enumerable: false, writable: true });
  try {
    return origFromBuffer.call(this, buffer);
  } catch (e) {
    // node-smpp throws on a truncated body, which would wedge the session;
    // keep the PDU and let the handler answer it with an error instead.
    Object.defineProperty(this, 'parse_error', { value: e.message, enumerable: false });
    return undefined;
  }
};
// node-smpp decodes short_message / message_payload into {udh, message} text
// using data_coding (lossy). Switch that off: they stay raw Buffers both ways.
for (const cmd of Object.keys(smpp.commands)) {
  const p = smpp.commands[cmd].params;
  if (p && p.short_message) delete p.short_message.filter;
}
delete smpp.tlvs.message_payload.filter;

const E = smpp.errors;
const ESME_RINVSYSID = 0x0f;

// ------------------------------------------------------------------- state

const state = {
  submits: [],
  delivers: [],
  binds: [],
  pendingDlr: [], // {systemId, build} waiting for a receiver to bind
  dlrStat: 'DELIVRD',
  dlrErr: '000',
  submitErrorStatus: 0,
  submitErrorCount: 0,
};
const sessions = new Set();
let rrCounter = 0;
let msgCounter = Math.floor(Math.random() * 0xffffffff) * 0x100; // unique across runs

function nextMessageId() {
  msgCounter += 1;
  return msgCounter.toString(16);
}

const MESSAGE_STATES = {
  ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8,
};

function smppDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return (
    p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
    p(d.getUTCHours()) + p(d.getUTCMinutes())
  );
}

// ------------------------------------------------------- raw submit_sm parse

function parseSubmitSm(raw) {
  let off = 16;
  const end = raw.length;
  const need = (n) => {
    if (off + n > end) throw new Error('truncated PDU');
  };
  const u8 = () => { need(1); return raw[off++]; };
  const cstr = (max) => {
    const start = off;
    while (off < end && raw[off] !== 0) off++;
    if (off >= end) throw new Error('unterminated C-octet string');
    const s = raw.toString('latin1', start, off);
    off++;
    if (max !== undefined && s.length > max) throw new Error('C-octet string too long');
    return s;
  };
  const r = {};
  r.service_type = cstr(5);
  r.source_addr_ton = u8();
  r.source_addr_npi = u8();
  r.source_addr = cstr(20);
  r.dest_addr_ton = u8();
  r.dest_addr_npi = u8();
  r.destination_addr = cstr(20);
  r.esm_class = u8();
  r.protocol_id = u8();
  r.priority_flag = u8();
  r.schedule_delivery_time = cstr(16);
  r.validity_period = cstr(16);
  r.registered_delivery = u8();
  r.replace_if_present_flag = u8();
  r.data_coding = u8();
  r.sm_default_msg_id = u8();
  r.sm_length = u8();
  need(r.sm_length);
  const sm = raw.subarray(off, off + r.sm_length);
  off += r.sm_length;
  r.short_message_hex = sm.toString('hex');
  r.tlvs = [];
  r.message_payload_hex = null;
  while (off < end) {
    need(4);
    const tag = raw.readUInt16BE(off);
    const len = raw.readUInt16BE(off + 2);
    off += 4;
    need(len);
    const v = raw.subarray(off, off + len);
    off += len;
    r.tlvs.push({ tag, hex: v.toString('hex') });
    if (tag === 0x0424) r.message_payload_hex = v.toString('hex');
  }
  return { rec: r, sm };
}

// The user text of a message as printable ASCII, for the receipt's "text:".
function receiptText(rec, sm) {
  let octets = sm;
  if (rec.message_payload_hex && sm.length === 0) octets = Buffer.from(rec.message_payload_hex, 'hex');
  if (rec.esm_class & 0x40 && octets.length > 0) octets = octets.subarray(1 + octets[0]);
  let text;
  if (rec.data_coding === 0x08) {
    const even = octets.subarray(0, octets.length - (octets.length % 2));
    text = Buffer.from(even).swap16().toString('utf16le');
  } else {
    text = octets.toString('latin1');
  }
  return Array.from(text).slice(0, 20).map((c) => (c >= ' ' && c <= '~' ? c : '?')).join('');
}

// ------------------------------------------------------------ deliver_sm out

function receivers(systemId) {
  return [...sessions].filter(
    (s) => s.sb.bound && (s.sb.mode === 'trx' || s.sb.mode === 'rx') &&
      (systemId === undefined || s.sb.systemId === systemId) && !s.socket.destroyed,
  );
}

function pickReceiver(systemId) {
  const list = receivers(systemId);
  if (list.length === 0) return null;
  return list[rrCounter++ % list.length];
}

// Send one deliver_sm built from `spec` on `session`; records it in /delivers.
// If the session dies before answering, or the ESME answers with a temporary
// error (0x58 throttled, 0x64 ESME_RX_T_APPN), the deliver_sm is re-queued.
function sendDeliver(session, spec) {
  const rec = {
    index: state.delivers.length,
    kind: spec.kind,
    system_id: session.sb.systemId,
    attempt: spec.attempt || 1,
    sequence_number: null,
    source_addr_ton: spec.pdu.source_addr_ton,
    source_addr_npi: spec.pdu.source_addr_npi,
    source_addr: spec.pdu.source_addr,
    dest_addr_ton: spec.pdu.dest_addr_ton,
    dest_addr_npi: spec.pdu.dest_addr_npi,
    destination_addr: spec.pdu.destination_addr,
    esm_class: spec.pdu.esm_class,
    data_coding: spec.pdu.data_coding,
    short_message_hex: spec.pdu.short_message.toString('hex'),
    message_payload_hex: spec.pdu.message_payload ? spec.pdu.message_payload.toString('hex') : null,
    receipted_message_id: spec.pdu.receipted_message_id !== undefined ? spec.pdu.receipted_message_id : null,
    message_state: spec.pdu.message_state !== undefined ? spec.pdu.message_state : null,
    text: spec.text !== undefined ? spec.text : null,
    sent_at_ms: Date.now(),
    command_status: null,
    resp_command: null,
    resp_at_ms: null,
  };
  state.delivers.push(rec);
  const pdu = new smpp.PDU('deliver_sm', Object.assign({}, spec.pdu));
  session.sb.inflight.set(rec, spec);
  const ok = session.send(pdu, (resp) => {
    session.sb.inflight.delete(rec);
    rec.command_status = resp.command_status;
    rec.resp_command = resp.command;
    rec.resp_at_ms = Date.now();
    debug(`deliver_sm #${rec.index} (${rec.kind}) answered ${resp.command} status=0x${resp.command_status.toString(16)}`);
    if ((resp.command_status === E.ESME_RTHROTTLED || resp.command_status === E.ESME_RX_T_APPN) && rec.attempt < 5) {
      setTimeout(() => queueDeliver(rec.system_id, Object.assign({}, spec, { attempt: rec.attempt + 1 })), 200);
    }
  });
  rec.sequence_number = pdu.sequence_number;
  if (!ok) {
    session.sb.inflight.delete(rec);
    queueDeliver(session.sb.systemId, spec, true);
  }
  debug(`deliver_sm #${rec.index} (${rec.kind}) seq=${pdu.sequence_number} to ${session.sb.systemId}`);
  return rec;
}

function queueDeliver(systemId, spec, front) {
  const s = pickReceiver(systemId);
  if (s) return sendDeliver(s, spec);
  if (front) state.pendingDlr.unshift({ systemId, spec });
  else state.pendingDlr.push({ systemId, spec });
  debug(`deliver_sm (${spec.kind}) queued: no receiver bound for ${systemId}`);
  return null;
}

function flushPending() {
  const pending = state.pendingDlr;
  state.pendingDlr = [];
  for (const p of pending) queueDeliver(p.systemId, p.spec);
}

function scheduleDlr(systemId, messageId, rec, sm, submitDate) {
  if (opts.dlrStyle === 'none') return;
  const style = opts.dlrStyle;
  const stat = state.dlrStat;
  const err = state.dlrErr;
  setTimeout(() => {
    const done = new Date();
    const text =
      `id:${messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} ` +
      `submit date:${smppDate(submitDate)} done date:${smppDate(done)} ` +
      `stat:${stat} err:${err} text:${receiptText(rec, sm)}`;
    const pdu = {
      service_type: '',
      source_addr_ton: rec.dest_addr_ton,
      source_addr_npi: rec.dest_addr_npi,
      source_addr: rec.destination_addr,
      dest_addr_ton: rec.source_addr_ton,
      dest_addr_npi: rec.source_addr_npi,
      destination_addr: rec.source_addr,
      esm_class: 0x04,
      protocol_id: 0,
      priority_flag: 0,
      schedule_delivery_time: '',
      validity_period: '',
      registered_delivery: 0,
      replace_if_present_flag: 0,
      data_coding: 0,
      sm_default_msg_id: 0,
      short_message: style === 'tlv' ? Buffer.alloc(0) : Buffer.from(text, 'latin1'),
    };
    if (style === 'tlv' || style === 'both') {
      pdu.receipted_message_id = messageId;
      pdu.message_state = MESSAGE_STATES[stat] !== undefined ? MESSAGE_STATES[stat] : 7;
    }
    queueDeliver(systemId, { kind: 'dlr', pdu, text: style === 'tlv' ? null : text });
  }, opts.dlrDelayMs);
}

// ------------------------------------------------------------- SMPP server

const BIND_MODES = { bind_transmitter: 'tx', bind_receiver: 'rx', bind_transceiver: 'trx' };

function onBind(session, pdu) {
  const attempt = {
    system_id: pdu.system_id,
    command: pdu.command,
    status: 0,
    at_ms: Date.now(),
    interface_version: pdu.interface_version,
    system_type: pdu.system_type,
    remote_port: session.socket.remotePort,
  };
  let status = 0;
  if (session.sb.bound) status = E.ESME_RALYBND;
  else if (pdu.system_id !== opts.systemId) status = ESME_RINVSYSID;
  else if (pdu.password !== opts.password) status = E.ESME_RINVPASWD;
  attempt.status = status;
  state.binds.push(attempt);
  if (status !== 0) {
    log(`${pdu.command} from ${pdu.system_id} refused: 0x${status.toString(16)}`);
    session.send(pdu.response({ command_status: status }), () => {
      if (status !== E.ESME_RALYBND) session.close();
    });
    return;
  }
  session.sb.bound = true;
  session.sb.mode = BIND_MODES[pdu.command];
  session.sb.systemId = pdu.system_id;
  const resp = { system_id: 'SBTESTSMSC' };
  if (opts.scInterfaceVersion !== null) resp.sc_interface_version = opts.scInterfaceVersion;
  session.send(pdu.response(resp));
  log(`${pdu.command} ok: ${pdu.system_id} (${session.sb.mode}) iv=0x${(pdu.interface_version || 0).toString(16)}`);
  if (session.sb.mode !== 'tx') flushPending();
}

function onSubmit(session, pdu) {
  if (!session.sb.bound || session.sb.mode === 'rx') {
    session.send(pdu.response({ command_status: E.ESME_RINVBNDSTS }));
    return;
  }
  const at = new Date();
  let parsed;
  try {
    parsed = parseSubmitSm(pdu.raw);
  } catch (e) {
    log(`malformed submit_sm: ${e.message}`);
    state.submits.push({ malformed: e.message, pdu_hex: pdu.raw.toString('hex'), at_ms: at.getTime(), command_status: E.ESME_RINVCMDLEN });
    session.send(pdu.response({ command_status: E.ESME_RINVCMDLEN }));
    return;
  }
  const { rec, sm } = parsed;
  let status = 0;
  if (state.submitErrorCount > 0) {
    state.submitErrorCount -= 1;
    status = state.submitErrorStatus;
  } else if (rec.destination_addr === '') {
    status = E.ESME_RINVDSTADR;
  } else if (rec.sm_length > 0 && rec.message_payload_hex !== null) {
    status = 0xc1; // ESME_RTLVNOTALLWD: short_message and message_payload together
  }
  const messageId = status === 0 ? nextMessageId() : null;
  const record = Object.assign(
    {
      index: state.submits.length,
      system_id: session.sb.systemId,
      sequence_number: pdu.sequence_number,
      message_id: messageId,
      command_status: status,
      at_ms: at.getTime(),
    },
    rec,
    { pdu_hex: pdu.raw.toString('hex') },
  );
  state.submits.push(record);
  if (status !== 0) {
    debug(`submit_sm seq=${pdu.sequence_number} refused 0x${status.toString(16)}`);
    session.send(pdu.response({ command_status: status }));
    return;
  }
  session.send(pdu.response({ message_id: messageId }));
  debug(`submit_sm seq=${pdu.sequence_number} ${rec.source_addr} -> ${rec.destination_addr} id=${messageId}`);
  // registered_delivery & 3: 1 = receipt on success and failure, 2 = on
  // failure only, 3 = on success only (SMPP 5.0).
  const rd = rec.registered_delivery & 0x03;
  const ok = state.dlrStat === 'DELIVRD';
  if (rd === 0x01 || (rd === 0x02 && !ok) || (rd === 0x03 && ok)) {
    scheduleDlr(session.sb.systemId, messageId, rec, sm, at);
  }
}

const server = smpp.createServer((session) => {
  session.sb = { bound: false, mode: null, systemId: null, inflight: new Map() };
  sessions.add(session);
  debug(`connection from ${session.socket.remotePort}`);
  session.on('error', (e) => {
    // e.g. a PDU longer than node-smpp's 16384-octet limit: node-smpp stops
    // reading that connection for good, so drop it rather than hang.
    log(`session error: ${e.message}; closing the connection`);
    session.destroy();
  });
  session.on('close', () => {
    sessions.delete(session);
    debug(`connection closed (${session.sb.systemId || 'unbound'})`);
    // Re-deliver what the ESME never answered, like a real SMSC would.
    const lost = [...session.sb.inflight.values()];
    session.sb.inflight.clear();
    for (const spec of lost) {
      queueDeliver(session.sb.systemId, Object.assign({}, spec, { attempt: (spec.attempt || 1) + 1 }));
    }
  });
  session.on('pdu', (pdu) => {
    if (opts.verbose) debug(`<- ${pdu.command} seq=${pdu.sequence_number} status=${pdu.command_status}`);
    switch (pdu.command) {
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver':
        return onBind(session, pdu);
      case 'enquire_link':
        return session.send(pdu.response());
      case 'unbind':
        session.sb.bound = false;
        return session.send(pdu.response(), () => session.close());
      case 'submit_sm':
        return onSubmit(session, pdu);
      default:
        if (pdu.isResponse()) return undefined; // matched by node-smpp's callbacks
        return session.send(new smpp.PDU('generic_nack', {
          sequence_number: pdu.sequence_number,
          command_status: pdu.parse_error ? E.ESME_RINVCMDLEN : E.ESME_RINVCMDID,
        }));
    }
  });
});
server.on('error', (e) => {
  log(`smpp server error: ${e.message}`);
  process.exit(1);
});

// ------------------------------------------------------------ control HTTP

function encodeText(text, dataCoding) {
  if (dataCoding === 0x08) return Buffer.from(text, 'utf16le').swap16();
  if (dataCoding === 0x03) return Buffer.from(text, 'latin1');
  if (dataCoding === 0x00) return smpp.gsmCoder.encode(text, 0); // GSM 03.38, unpacked septets
  return Buffer.from(text, 'latin1');
}

function handleMo(body) {
  if (typeof body.from !== 'string' || typeof body.to !== 'string') {
    return [400, { error: '"from" and "to" are required strings' }];
  }
  let dataCoding = body.data_coding;
  let payload;
  if (typeof body.hex === 'string') {
    payload = Buffer.from(body.hex, 'hex');
    if (dataCoding === undefined) dataCoding = 0;
  } else if (typeof body.text === 'string') {
    if (dataCoding === undefined) dataCoding = smpp.encodings.ASCII.match(body.text) ? 0x00 : 0x08;
    payload = encodeText(body.text, dataCoding);
  } else {
    return [400, { error: 'one of "text" or "hex" is required' }];
  }
  let esmClass = body.esm_class !== undefined ? body.esm_class : 0;
  if (typeof body.udh_hex === 'string' && body.udh_hex.length > 0) {
    payload = Buffer.concat([Buffer.from(body.udh_hex, 'hex'), payload]);
    esmClass |= 0x40;
  }
  const usePayloadTlv = body.payload === true;
  if (!usePayloadTlv && payload.length > 255) {
    return [400, { error: `short_message would be ${payload.length} octets (> 255); use "payload": true` }];
  }
  if (receivers(body.system_id).length === 0) return [409, { error: 'no receiver bound' }];
  const pdu = {
    service_type: '',
    source_addr_ton: body.from_ton !== undefined ? body.from_ton : 1,
    source_addr_npi: body.from_npi !== undefined ? body.from_npi : 1,
    source_addr: body.from,
    dest_addr_ton: body.to_ton !== undefined ? body.to_ton : 1,
    dest_addr_npi: body.to_npi !== undefined ? body.to_npi : 1,
    destination_addr: body.to,
    esm_class: esmClass,
    protocol_id: 0,
    priority_flag: 0,
    schedule_delivery_time: '',
    validity_period: '',
    registered_delivery: 0,
    replace_if_present_flag: 0,
    data_coding: dataCoding,
    sm_default_msg_id: 0,
    short_message: usePayloadTlv ? Buffer.alloc(0) : payload,
  };
  if (usePayloadTlv) pdu.message_payload = payload;
  const rec = queueDeliver(body.system_id, { kind: 'mo', pdu, text: typeof body.text === 'string' ? body.text : undefined });
  return [200, { sent: true, index: rec ? rec.index : null }];
}

function handleConfig(body) {
  if (body.dlr_delay_ms !== undefined) opts.dlrDelayMs = Number(body.dlr_delay_ms);
  if (body.dlr_style !== undefined) {
    if (!['text', 'tlv', 'both', 'none'].includes(body.dlr_style)) return [400, { error: 'bad dlr_style' }];
    opts.dlrStyle = body.dlr_style;
  }
  if (body.dlr_stat !== undefined) state.dlrStat = String(body.dlr_stat);
  if (body.dlr_err !== undefined) state.dlrErr = String(body.dlr_err);
  if (body.submit_error_status !== undefined) {
    state.submitErrorStatus = Number(body.submit_error_status);
    state.submitErrorCount = body.submit_error_count !== undefined ? Number(body.submit_error_count) : 1;
  }
  return [200, {
    dlr_delay_ms: opts.dlrDelayMs,
    dlr_style: opts.dlrStyle,
    dlr_stat: state.dlrStat,
    dlr_err: state.dlrErr,
    submit_error_status: state.submitErrorStatus,
    submit_error_count: state.submitErrorCount,
  }];
}

const control = http.createServer((req, res) => {
  const reply = (code, obj) => {
    const body = JSON.stringify(obj);
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const url = req.url.split('?')[0];
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = {};
    if (req.method === 'POST') {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (raw.trim() !== '') {
        try {
          body = JSON.parse(raw);
        } catch (e) {
          return reply(400, { error: `bad JSON: ${e.message}` });
        }
      }
      if (body === null || typeof body !== 'object') return reply(400, { error: 'body must be a JSON object' });
    }
    const route = `${req.method} ${url}`;
    try {
      switch (route) {
        case 'GET /submits': return reply(200, state.submits);
        case 'GET /delivers': return reply(200, state.delivers);
        case 'GET /binds': return reply(200, state.binds);
        case 'GET /sessions':
          return reply(200, [...sessions].map((s) => ({
            system_id: s.sb.systemId, mode: s.sb.mode, bound: s.sb.bound, remote_port: s.socket.remotePort,
          })));
        case 'POST /mo': return reply(...handleMo(body));
        case 'POST /config': return reply(...handleConfig(body));
        case 'POST /disconnect': {
          const n = sessions.size;
          for (const s of sessions) s.destroy();
          return reply(200, { closed: n });
        }
        case 'POST /reset':
          state.submits = [];
          state.delivers = [];
          state.binds = [];
          return reply(200, { reset: true });
        default:
          return reply(404, { error: `no route ${route}` });
      }
    } catch (e) {
      log(`control ${route} failed: ${e.stack}`);
      return reply(500, { error: e.message });
    }
  });
});

// ------------------------------------------------------------ start / stop

let stopping = false;
function shutdown(sig) {
  if (stopping) return;
  stopping = true;
  log(`${sig}: shutting down`);
  for (const s of sessions) s.destroy();
  control.closeAllConnections && control.closeAllConnections();
  let left = 2;
  const done = () => { if (--left === 0) process.exit(0); };
  server.close(done);
  control.close(done);
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (opts.exitOnStdinClose) {
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
}

server.listen(opts.port, '127.0.0.1', () => {
  control.listen(opts.controlPort, '127.0.0.1', () => {
    const ready = { ready: true, smpp_port: server.address().port, control_port: control.address().port };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
    log(`listening: smpp 127.0.0.1:${ready.smpp_port}, control 127.0.0.1:${ready.control_port}, ` +
      `system_id=${opts.systemId}, dlr=${opts.dlrStyle}/${opts.dlrDelayMs}ms`);
  });
});
control.on('error', (e) => {
  log(`control server error: ${e.message}`);
  process.exit(1);
});
