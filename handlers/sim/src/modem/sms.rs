//! SMS in PDU mode (27.005): +CMGF, +CSMS, +CNMI, +CPMS, +CSCA, +CMGS with
//! its prompt, +CMGR/+CMGL/+CMGD, +CNMA; and the network side: incoming
//! messages (+CMTI stored, +CMT direct), status reports (+CDS direct,
//! +CDSI stored in "SR").

use super::config::Timing;
use super::engine::{Done, Engine, PduInput, Timer};
use super::errors::{self, Fail};
use super::inject::{self, DeliverPdu, StatusReportSpec};
use super::lock;
use super::parse::{Cmd, Kind, args, num};
use super::records::SentPart;
use super::storage::{REC_READ, REC_UNREAD, Slot};
use std::time::SystemTime;
use switchboard_protocol::Address;
use switchboard_protocol::pdu::{self, Direction, Tpdu};
use switchboard_protocol::text::{self, Coding};

type R = Option<Result<Done, Fail>>;

/// The destination as `SentPart::to` shows it.
fn dest(a: &Address) -> String {
    match a {
        Address::International(p) => p.as_str().to_owned(),
        other => other.wire().to_owned(),
    }
}

impl Engine {
    pub(crate) fn sms_command(&mut self, c: &Cmd) -> R {
        let r = match c.name.as_str() {
            "+CMGF" => match &c.kind {
                Kind::Read => {
                    self.info("+CMGF: 0");
                    Ok(Done::Ok)
                }
                Kind::Test => {
                    self.info("+CMGF: (0)");
                    Ok(Done::Ok)
                }
                // PDU mode only, as on modems whose text mode is broken.
                Kind::Set(v) if v.trim() == "0" => Ok(Done::Ok),
                _ => Err(Fail::Error),
            },
            "+CSMS" => match &c.kind {
                Kind::Read => {
                    self.info(&format!("+CSMS: {},1,1,1", self.s.csms));
                    Ok(Done::Ok)
                }
                Kind::Test => {
                    self.info("+CSMS: (0,1)");
                    Ok(Done::Ok)
                }
                Kind::Set(v) => match num(args(v).first()) {
                    Some(n @ 0..=1) => {
                        self.s.csms = n as u8;
                        self.info("+CSMS: 1,1,1");
                        Ok(Done::Ok)
                    }
                    _ => Err(Fail::Cms(errors::CMS_NOT_SUPPORTED)),
                },
                Kind::Exec => Err(Fail::Error),
            },
            "+CNMI" => self.cnmi(c),
            "+CPMS" => self.cpms(c),
            "+CSCA" => match &c.kind {
                Kind::Read => {
                    let toa = if self.cfg.smsc.starts_with('+') {
                        145
                    } else {
                        129
                    };
                    let line = format!("+CSCA: \"{}\",{toa}", self.cfg.smsc);
                    self.info(&line);
                    Ok(Done::Ok)
                }
                Kind::Set(v) => {
                    let a = args(v);
                    let d = a[0].trim_start_matches('+');
                    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
                        Err(Fail::Cms(errors::CMS_NOT_ALLOWED))
                    } else {
                        self.cfg.smsc = a[0].clone();
                        Ok(Done::Ok)
                    }
                }
                _ => Ok(Done::Ok),
            },
            "+CSMP" | "+CSDH" => Ok(Done::Ok),
            "+CMGS" => self.cmgs(c, None),
            "+CMGW" => {
                let stat = match &c.kind {
                    Kind::Set(v) => num(args(v).get(1)).unwrap_or(2),
                    _ => 2,
                };
                if stat > 3 {
                    Err(Fail::Cms(errors::CMS_NOT_SUPPORTED))
                } else {
                    self.cmgs(c, Some(stat as u8))
                }
            }
            "+CMGR" => self.cmgr(c),
            "+CMGL" => self.cmgl(c),
            "+CMGD" => self.cmgd(c),
            "+CNMA" => {
                if self.cmt_pending.take().is_some() {
                    Ok(Done::Ok)
                } else {
                    Err(Fail::Cms(errors::CMS_NO_CNMA_EXPECTED))
                }
            }
            _ => return None,
        };
        Some(r)
    }

    fn cnmi(&mut self, c: &Cmd) -> Result<Done, Fail> {
        match &c.kind {
            Kind::Read => {
                let [a, b, cc, d, e] = self.s.cnmi;
                self.info(&format!("+CNMI: {a},{b},{cc},{d},{e}"));
                Ok(Done::Ok)
            }
            Kind::Test => {
                self.info(self.prof.cnmi_test);
                Ok(Done::Ok)
            }
            Kind::Exec => Ok(Done::Ok),
            Kind::Set(v) => {
                let a = args(v);
                if a.len() > 5 {
                    return Err(Fail::Cms(errors::CMS_NOT_SUPPORTED));
                }
                let mut next = self.s.cnmi;
                for (i, s) in a.iter().enumerate() {
                    if s.is_empty() {
                        continue;
                    }
                    let n: u8 = s
                        .parse()
                        .map_err(|_| Fail::Cms(errors::CMS_NOT_SUPPORTED))?;
                    if !self.prof.cnmi[i].contains(&n) {
                        return Err(Fail::Cms(errors::CMS_NOT_SUPPORTED));
                    }
                    next[i] = n;
                }
                // Parameters left out become 0, as 27.005 says.
                for slot in next.iter_mut().skip(a.len()) {
                    *slot = 0;
                }
                self.s.cnmi = next;
                Ok(Done::Ok)
            }
        }
    }

    fn cpms(&mut self, c: &Cmd) -> Result<Done, Fail> {
        let (su, st) = (self.sm.used(), self.sm.capacity());
        let (ru, rt) = (self.sr.used(), self.sr.capacity());
        let counts = |m: &str| if m == "SR" { (ru, rt) } else { (su, st) };
        match &c.kind {
            Kind::Read => {
                let parts: Vec<String> = self
                    .s
                    .mems
                    .iter()
                    .map(|m| {
                        let (u, t) = counts(m);
                        format!("\"{m}\",{u},{t}")
                    })
                    .collect();
                self.info(&format!("+CPMS: {}", parts.join(",")));
                Ok(Done::Ok)
            }
            Kind::Test => {
                self.info("+CPMS: (\"SM\",\"ME\",\"MT\",\"SR\"),(\"SM\",\"ME\",\"MT\"),(\"SM\",\"ME\",\"MT\")");
                Ok(Done::Ok)
            }
            Kind::Exec => Err(Fail::Error),
            Kind::Set(v) => {
                self.sim_cms()?;
                let a = args(v);
                if a.is_empty() || a.len() > 3 {
                    return Err(Fail::Cms(errors::CMS_NOT_SUPPORTED));
                }
                let mut mems = self.s.mems.clone();
                for (i, m) in a.iter().enumerate() {
                    let m = m.to_ascii_uppercase();
                    let ok = matches!(m.as_str(), "SM" | "ME" | "MT") || (i == 0 && m == "SR");
                    if !ok {
                        return Err(Fail::Cms(errors::CMS_NOT_SUPPORTED));
                    }
                    mems[i] = m;
                }
                self.s.mems = mems;
                let line: Vec<String> = self
                    .s
                    .mems
                    .iter()
                    .map(|m| {
                        let (u, t) = counts(m);
                        format!("{u},{t}")
                    })
                    .collect();
                self.info(&format!("+CPMS: {}", line.join(",")));
                Ok(Done::Ok)
            }
        }
    }

    /// mem1 (read, list, delete) is the status report store.
    fn reading_reports(&self) -> bool {
        self.s.mems[0] == "SR"
    }

    /// +CMGS (`write: None`) and +CMGW (`write: Some(<stat>)`): the prompt.
    fn cmgs(&mut self, c: &Cmd, write: Option<u8>) -> Result<Done, Fail> {
        match &c.kind {
            Kind::Test => Ok(Done::Ok),
            Kind::Set(v) => {
                self.sim_cms()?;
                let len = num(args(v).first()).ok_or(Fail::Cms(errors::CMS_INVALID_PDU))?;
                if !(7..=164).contains(&len) {
                    return Err(Fail::Cms(errors::CMS_INVALID_PDU));
                }
                self.pdu = Some(PduInput {
                    len: len as usize,
                    buf: Vec::new(),
                    write,
                });
                // The prompt has no line end; the PDU follows on the same line.
                self.resp.extend_from_slice(b"\r\n> ");
                Ok(Done::Prompt)
            }
            _ => Err(Fail::Error),
        }
    }

    /// The PDU typed after the prompt, ended by Ctrl-Z.
    pub(crate) fn submit(&mut self, len: usize, buf: Vec<u8>) {
        let hex = String::from_utf8_lossy(&buf).into_owned();
        self.log(format!("{hex}<Ctrl-Z>"));
        self.resp.clear();
        self.after_final.clear();
        self.delay = Timing::ms(self.cfg.timing.cmgs_ms);
        let r = self.try_submit(len, &hex);
        self.finish(r);
    }

    /// The PDU after +CMGW's prompt: stored as it is (<stat> 2 unsent, 3
    /// sent, or 0/1 for a received one), or +CMS ERROR: 322 when full.
    pub(crate) fn write_pdu(&mut self, len: usize, buf: Vec<u8>, stat: u8) {
        let hex = String::from_utf8_lossy(&buf).to_ascii_uppercase();
        self.log(format!("{hex}<Ctrl-Z>"));
        self.resp.clear();
        self.after_final.clear();
        let r = if super::engine::tpdu_len(&hex) != Some(len) {
            Err(Fail::Cms(errors::CMS_INVALID_PDU))
        } else if self.faults().storage_full || self.sm.is_full() {
            Err(Fail::Cms(errors::CMS_MEMORY_FULL))
        } else {
            match self.sm.store(Slot {
                stat,
                hex,
                tpdu_len: len,
            }) {
                Some(i) => {
                    self.info(&format!("+CMGW: {i}"));
                    Ok(Done::Ok)
                }
                None => Err(Fail::Cms(errors::CMS_MEMORY_FULL)),
            }
        };
        self.finish(r);
    }

    fn try_submit(&mut self, len: usize, hex: &str) -> Result<Done, Fail> {
        let error = {
            let mut f = lock(&self.shared.faults);
            (!f.cmgs_errors.is_empty()).then(|| f.cmgs_errors.remove(0))
        };
        if let Some(code) = error {
            return Err(Fail::Cms(code));
        }
        if !self.registered() {
            return Err(Fail::Cms(errors::CMS_NO_NETWORK));
        }
        if super::engine::tpdu_len(hex) != Some(len) {
            return Err(Fail::Cms(errors::CMS_INVALID_PDU));
        }
        let submit = match pdu::decode(hex, Direction::ToNetwork) {
            Ok((_, Tpdu::Submit(s))) => s,
            Ok(_) | Err(_) => return Err(Fail::Cms(errors::CMS_INVALID_PDU)),
        };
        if submit.status_report
            && self.s.cnmi[3] == 2
            && (self.faults().storage_full || self.sr.is_full())
        {
            return Err(Fail::Cms(errors::CMS_MEMORY_FULL));
        }
        let concat = match &submit.udh {
            Some(ies) => {
                let mut ud = vec![ies.len() as u8];
                ud.extend_from_slice(ies);
                text::parse_udh(&ud).ok().and_then(|(c, _)| c)
            }
            None => None,
        };
        let mr = self.next_mr;
        self.next_mr = self.next_mr.wrapping_add(1);
        let to = dest(&submit.destination);
        let now = SystemTime::now();
        let body = submit.body;
        let text_ = match body.coding {
            Coding::Gsm7 | Coding::Ucs2 | Coding::Latin1 => text::decode(body.coding, &body.data),
            Coding::Binary => text::decode(Coding::Binary, &body.data),
        };
        lock(&self.shared.sent).push(SentPart {
            mr,
            to: to.clone(),
            coding: body.coding,
            text: text_,
            data: body.data,
            concat,
            status_report: submit.status_report,
            validity_secs: submit.validity.map(|d| d.as_secs()),
            pdu: hex.to_owned(),
            at: now,
        });
        self.info(&format!("+CMGS: {mr}"));
        if let Some(u) = self.faults().urc_in_cmgs {
            self.info(&u);
        }
        if submit.status_report && self.cfg.auto_status_reports {
            let spec = StatusReportSpec {
                mr,
                recipient: to,
                status: 0,
            };
            let smsc = inject::address("smsc", &self.cfg.smsc).ok();
            if let Ok(p) = inject::status_report_pdu(&spec, now, smsc.as_ref()) {
                let after = self.delay + Timing::ms(self.cfg.timing.status_report_ms);
                self.schedule(after, Timer::StatusReport(p));
            }
        }
        Ok(Done::Ok)
    }

    fn index_arg(v: &str) -> Result<u16, Fail> {
        args(v)
            .first()
            .and_then(|s| s.parse::<u16>().ok())
            .ok_or(Fail::Cms(errors::CMS_INVALID_INDEX))
    }

    fn cmgr(&mut self, c: &Cmd) -> Result<Done, Fail> {
        let Kind::Set(v) = &c.kind else {
            return if c.kind == Kind::Test {
                Ok(Done::Ok)
            } else {
                Err(Fail::Error)
            };
        };
        self.sim_cms()?;
        let index = Self::index_arg(v)?;
        let store = if self.reading_reports() {
            &mut self.sr
        } else {
            &mut self.sm
        };
        let slot = store
            .get_mut(index)
            .map_err(|_| Fail::Cms(errors::CMS_INVALID_INDEX))?;
        // An empty slot answers OK without a message, as Huawei and
        // Quectel do.
        if let Some(s) = slot {
            let (stat, len, hex) = (s.stat, s.tpdu_len, s.hex.clone());
            if s.stat == REC_UNREAD {
                s.stat = REC_READ;
            }
            self.info(&format!("+CMGR: {stat},,{len}"));
            self.cont(&hex);
        }
        Ok(Done::Ok)
    }

    fn cmgl(&mut self, c: &Cmd) -> Result<Done, Fail> {
        let stat = match &c.kind {
            Kind::Test => {
                self.info("+CMGL: (0-4)");
                return Ok(Done::Ok);
            }
            Kind::Exec => 0,
            Kind::Set(v) => match v.trim().parse::<u8>() {
                Ok(n @ 0..=4) => n,
                _ => return Err(Fail::Cms(errors::CMS_NOT_ALLOWED)),
            },
            Kind::Read => return Err(Fail::Error),
        };
        self.sim_cms()?;
        let reports = self.reading_reports();
        let store = if reports { &mut self.sr } else { &mut self.sm };
        let mut lines = Vec::new();
        for (i, s) in store.iter_mut() {
            if stat == 4 || s.stat == stat {
                lines.push((i, s.stat, s.tpdu_len, s.hex.clone()));
                if s.stat == REC_UNREAD {
                    s.stat = REC_READ;
                }
            }
        }
        let urc = self.faults().urc_in_cmgl;
        let mut urc_sent = false;
        for (i, st, len, hex) in lines {
            self.info(&format!("+CMGL: {i},{st},,{len}"));
            self.cont(&hex);
            if let Some(u) = urc.as_deref().filter(|_| !urc_sent) {
                self.info(u);
                urc_sent = true;
            }
        }
        if let Some(u) = urc.as_deref().filter(|_| !urc_sent) {
            self.info(u);
        }
        Ok(Done::Ok)
    }

    fn cmgd(&mut self, c: &Cmd) -> Result<Done, Fail> {
        let Kind::Set(v) = &c.kind else {
            if c.kind == Kind::Test {
                self.info("+CMGD: (0-254),(0-4)");
                return Ok(Done::Ok);
            }
            return Err(Fail::Error);
        };
        self.sim_cms()?;
        let a = args(v);
        let flag = num(a.get(1)).unwrap_or(0);
        let reports = self.reading_reports();
        let store = if reports { &mut self.sr } else { &mut self.sm };
        if flag > 4 {
            return Err(Fail::Cms(errors::CMS_NOT_SUPPORTED));
        }
        if flag > 0 {
            store.delete_flagged(flag);
        } else {
            let index = Self::index_arg(v)?;
            store
                .delete(index)
                .map_err(|_| Fail::Cms(errors::CMS_INVALID_INDEX))?;
        }
        if !self.sm.is_full() {
            self.full_said = false;
        }
        Ok(Done::Ok)
    }

    /// Hands an SMS-DELIVER to the client per +CNMI `<mt>`. Returns it
    /// back when it cannot be stored (storage full): the network retries.
    pub(crate) fn deliver_sms(&mut self, pdu: DeliverPdu) -> Option<DeliverPdu> {
        let [mode, mt, ..] = self.s.cnmi;
        if mt == 2 && mode != 0 {
            self.urc(&format!("+CMT: ,{}\r\n{}", pdu.tpdu_len, pdu.hex));
            if self.s.csms == 1 {
                self.cmt_seq += 1;
                let seq = self.cmt_seq;
                self.cmt_pending = Some((seq, pdu));
                self.schedule(
                    Timing::ms(self.cfg.timing.cnma_timeout_ms),
                    Timer::CnmaTimeout(seq),
                );
            }
            return None;
        }
        if self.faults().storage_full || self.sm.is_full() {
            if !self.full_said {
                self.full_said = true;
                if let Some(u) = self.prof.memory_full_urc {
                    self.urc(u);
                }
            }
            return Some(pdu);
        }
        let slot = Slot {
            stat: REC_UNREAD,
            hex: pdu.hex.clone(),
            tpdu_len: pdu.tpdu_len,
        };
        let Some(index) = self.sm.store(slot) else {
            return Some(pdu);
        };
        if mode != 0 && matches!(mt, 1..=3) {
            let mem = self.s.mems[2].clone();
            self.urc(&format!("+CMTI: \"{mem}\",{index}"));
        }
        None
    }

    /// A +CMT the client never acknowledged: the network gives up on the
    /// direct route and the modem keeps the message in storage (where a
    /// sweep with +CMGL finds it).
    pub(crate) fn cnma_timeout(&mut self, seq: u64) {
        if let Some((s, pdu)) = self.cmt_pending.take() {
            if s != seq {
                self.cmt_pending = Some((s, pdu));
                return;
            }
            let _ = self.sm.store(Slot {
                stat: REC_UNREAD,
                hex: pdu.hex,
                tpdu_len: pdu.tpdu_len,
            });
        }
    }

    /// A status report per +CNMI `<ds>`: 1 direct (+CDS), 2 stored in "SR"
    /// (+CDSI); 0 not routed (dropped).
    pub(crate) fn deliver_report(&mut self, pdu: DeliverPdu) {
        match self.s.cnmi[3] {
            1 => self.urc(&format!("+CDS: {}\r\n{}", pdu.tpdu_len, pdu.hex)),
            2 => {
                if let Some(i) = self.sr.store(Slot {
                    stat: REC_UNREAD,
                    hex: pdu.hex,
                    tpdu_len: pdu.tpdu_len,
                }) {
                    self.urc(&format!("+CDSI: \"SR\",{i}"));
                }
            }
            _ => {}
        }
    }
}
