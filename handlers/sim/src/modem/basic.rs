//! General commands: V.250 basics (E, V, Q, Z, &F, S-registers, I),
//! identification, +CMEE, SIM PIN/PUK, signal, registration, operator,
//! +CFUN, +CNUM and Huawei's ^CURC / ^SYSINFO.

use super::engine::{Done, Engine, PinState, Settings};
use super::errors::{self, Fail};
use super::parse::{Cmd, Kind, args, num};
use std::sync::atomic::Ordering;

type R = Option<Result<Done, Fail>>;

fn flag(kind: &Kind, max: u32) -> Result<u32, Fail> {
    match kind {
        Kind::Exec => Ok(0),
        Kind::Set(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or(Fail::Error),
        _ => Err(Fail::Error),
    }
}

impl Engine {
    pub(crate) fn basic_command(&mut self, c: &Cmd) -> R {
        let r = match c.name.as_str() {
            "E" => flag(&c.kind, 1).map(|v| {
                self.s.echo = v == 1;
                Done::Ok
            }),
            "V" => flag(&c.kind, 1).map(|v| {
                self.s.verbose = v == 1;
                Done::Ok
            }),
            "Q" => flag(&c.kind, 1).map(|v| {
                self.s.quiet = v == 1;
                Done::Ok
            }),
            "Z" | "&F" => {
                // Back to the profile's defaults; the SIM and ^CURC stay.
                let curc = self.s.curc;
                let cfun = self.s.cfun;
                self.s = Settings {
                    curc,
                    cfun,
                    ..Settings::default()
                };
                Ok(Done::Ok)
            }
            "&C" | "&D" | "&K" | "&W" | "&S" | "X" | "L" | "M" => Ok(Done::Ok),
            n if n.starts_with('S') && n[1..].bytes().all(|b| b.is_ascii_digit()) => {
                let reg: u16 = n[1..].parse().unwrap_or(0);
                match &c.kind {
                    Kind::Read => {
                        let v = self.s.sregs.get(&reg).copied().unwrap_or(0);
                        self.info(&format!("{v:03}"));
                        Ok(Done::Ok)
                    }
                    Kind::Set(v) => match v.parse::<u16>() {
                        Ok(v) if v <= 255 => {
                            self.s.sregs.insert(reg, v);
                            Ok(Done::Ok)
                        }
                        _ => Err(Fail::Error),
                    },
                    _ => Ok(Done::Ok),
                }
            }
            "I" => {
                let p = self.prof;
                self.info(&format!(
                    "Manufacturer: {}\r\nModel: {}\r\nRevision: {}\r\nIMEI: {}\r\n+GCAP: +CGSM,+DS,+ES",
                    p.manufacturer, p.model, p.revision, p.imei
                ));
                Ok(Done::Ok)
            }
            "+CGMI" | "+GMI" => self.ident(c, self.prof.manufacturer),
            "+CGMM" | "+GMM" => self.ident(c, self.prof.model),
            "+CGMR" | "+GMR" => self.ident(c, self.prof.revision),
            "+CGSN" | "+GSN" => self.ident(c, self.prof.imei),
            "+GCAP" => self.ident(c, "+GCAP: +CGSM,+DS,+ES"),
            "+CIMI" => match self.sim_cme() {
                Ok(()) => self.ident(c, self.prof.imsi),
                Err(e) => Err(e),
            },
            "+CMEE" => match &c.kind {
                Kind::Read => {
                    self.info(&format!("+CMEE: {}", self.s.cmee));
                    Ok(Done::Ok)
                }
                Kind::Test => {
                    self.info("+CMEE: (0-2)");
                    Ok(Done::Ok)
                }
                k => flag(k, 2).map(|v| {
                    self.s.cmee = v as u8;
                    Done::Ok
                }),
            },
            "+CPIN" => self.cpin(c),
            "^CPIN" if self.prof.huawei_calls => self.pin_counters(c, "huawei"),
            "+SPIC" if self.prof.simcom_calls => self.pin_counters(c, "simcom"),
            "+QPINC" if self.cfg.profile == super::Profile::Quectel => {
                self.pin_counters(c, "quectel")
            }
            "+CSQ" => {
                let rssi = if self.registered() {
                    self.cfg.signal
                } else {
                    99
                };
                match c.kind {
                    Kind::Test => self.info("+CSQ: (0-31,99),(0-7,99)"),
                    _ => self.info(&format!("+CSQ: {rssi},99")),
                }
                Ok(Done::Ok)
            }
            "+CREG" => self.reg_cmd(c, "+CREG"),
            "+CGREG" => self.reg_cmd(c, "+CGREG"),
            "+CEREG" if self.prof.cereg => self.reg_cmd(c, "+CEREG"),
            "+COPS" => self.cops(c),
            "+CFUN" => self.cfun(c),
            "+CNUM" => {
                if let Err(e) = self.sim_cme() {
                    return Some(Err(e));
                }
                if let Some(n) = self.cfg.number.clone() {
                    let toa = if n.starts_with('+') { 145 } else { 129 };
                    self.info(&format!("+CNUM: \"\",\"{n}\",{toa}"));
                }
                Ok(Done::Ok)
            }
            "+CSCS" => match &c.kind {
                Kind::Read => {
                    self.info("+CSCS: \"GSM\"");
                    Ok(Done::Ok)
                }
                Kind::Test => {
                    self.info("+CSCS: (\"IRA\",\"GSM\",\"UCS2\")");
                    Ok(Done::Ok)
                }
                _ => Ok(Done::Ok),
            },
            "+IPR" => {
                if c.kind == Kind::Read {
                    self.info("+IPR: 115200");
                }
                Ok(Done::Ok)
            }
            "+IFC" | "+CMUX" | "+CSCB" | "+CPWD" | "+CLVL" | "+CMUT" => Ok(Done::Ok),
            "^CURC" if self.prof.huawei_calls => match &c.kind {
                Kind::Read => {
                    self.info(&format!("^CURC: {}", u8::from(self.s.curc)));
                    Ok(Done::Ok)
                }
                Kind::Test => {
                    self.info("^CURC: (0-1)");
                    Ok(Done::Ok)
                }
                k => flag(k, 1).map(|v| {
                    self.s.curc = v == 1;
                    Done::Ok
                }),
            },
            "^SYSINFO" if self.prof.huawei_calls => {
                let (srv, domain, mode) = if self.registered() {
                    (2, 3, 5)
                } else {
                    (0, 0, 0)
                };
                let sim = u8::from(self.sim.state == PinState::Ready);
                self.info(&format!("^SYSINFO:{srv},{domain},0,{mode},{sim},,4"));
                Ok(Done::Ok)
            }
            _ => return None,
        };
        Some(r)
    }

    fn ident(&mut self, c: &Cmd, value: &str) -> Result<Done, Fail> {
        match c.kind {
            Kind::Exec => {
                self.info(value);
                Ok(Done::Ok)
            }
            Kind::Test => Ok(Done::Ok),
            _ => Err(Fail::Error),
        }
    }

    fn cpin(&mut self, c: &Cmd) -> Result<Done, Fail> {
        match &c.kind {
            Kind::Read => {
                let s = match self.sim.state {
                    PinState::Ready => "READY",
                    PinState::Pin => "SIM PIN",
                    PinState::Puk => "SIM PUK",
                    PinState::Blocked => return Err(Fail::Cme(13)),
                };
                self.info(&format!("+CPIN: {s}"));
                Ok(Done::Ok)
            }
            Kind::Test => Ok(Done::Ok),
            Kind::Exec => Err(Fail::Error),
            Kind::Set(v) => {
                self.shared.pin_attempts.fetch_add(1, Ordering::Relaxed);
                let a = args(v);
                match self.sim.state {
                    PinState::Ready => Err(Fail::Cme(errors::CME_NOT_ALLOWED)),
                    PinState::Blocked => Err(Fail::Cme(13)),
                    PinState::Pin => {
                        if self.sim.pin.as_deref() == Some(a[0].as_str()) {
                            self.sim.state = PinState::Ready;
                            self.sim.pin_left = 3;
                            self.print_sim_ready();
                            Ok(Done::Ok)
                        } else {
                            self.sim.pin_left = self.sim.pin_left.saturating_sub(1);
                            if self.sim.pin_left == 0 {
                                self.sim.state = PinState::Puk;
                            }
                            Err(Fail::Cme(errors::CME_WRONG_PASSWORD))
                        }
                    }
                    PinState::Puk => {
                        let new_pin = a.get(1).filter(|p| (4..=8).contains(&p.len()));
                        match new_pin {
                            Some(p) if a[0] == self.cfg.puk => {
                                self.sim.pin = Some(p.clone());
                                self.sim.state = PinState::Ready;
                                self.sim.pin_left = 3;
                                self.sim.puk_left = 10;
                                self.print_sim_ready();
                                Ok(Done::Ok)
                            }
                            Some(_) => {
                                self.sim.puk_left = self.sim.puk_left.saturating_sub(1);
                                if self.sim.puk_left == 0 {
                                    self.sim.state = PinState::Blocked;
                                }
                                Err(Fail::Cme(errors::CME_WRONG_PASSWORD))
                            }
                            None => Err(Fail::Cme(errors::CME_SIM_PUK)),
                        }
                    }
                }
            }
        }
    }

    /// The vendor's "attempts left" query.
    fn pin_counters(&mut self, c: &Cmd, vendor: &str) -> Result<Done, Fail> {
        if matches!(c.kind, Kind::Test) {
            return Ok(Done::Ok);
        }
        let (pin, puk) = (self.sim.pin_left, self.sim.puk_left);
        let code = match self.sim.state {
            PinState::Ready => "READY",
            PinState::Pin => "SIM PIN",
            PinState::Puk | PinState::Blocked => "SIM PUK",
        };
        let line = match vendor {
            "huawei" => format!("^CPIN: {code},,{puk},{pin},10,3"),
            "simcom" => format!("+SPIC: {pin},{puk},3,10"),
            _ => format!("+QPINC: \"SC\",{pin},{puk}"),
        };
        self.info(&line);
        Ok(Done::Ok)
    }

    fn reg_cmd(&mut self, c: &Cmd, name: &str) -> Result<Done, Fail> {
        let n = match name {
            "+CREG" => self.s.creg_n,
            "+CGREG" => self.s.cgreg_n,
            _ => self.s.cereg_n,
        };
        match &c.kind {
            Kind::Read => {
                let stat = self.reg_stat();
                let cell = if n == 2 && stat == 1 {
                    ",\"00A1\",\"0000B2C3\""
                } else {
                    ""
                };
                self.info(&format!("{name}: {n},{stat}{cell}"));
                Ok(Done::Ok)
            }
            Kind::Test => {
                self.info(&format!("{name}: (0-2)"));
                Ok(Done::Ok)
            }
            k => {
                let v = flag(k, 2)? as u8;
                match name {
                    "+CREG" => self.s.creg_n = v,
                    "+CGREG" => self.s.cgreg_n = v,
                    _ => self.s.cereg_n = v,
                }
                Ok(Done::Ok)
            }
        }
    }

    fn act(&self) -> u8 {
        match self.cfg.profile {
            super::Profile::Huawei => 2,
            super::Profile::Simcom | super::Profile::Quectel => 7,
            super::Profile::Generic => 0,
        }
    }

    fn cops(&mut self, c: &Cmd) -> Result<Done, Fail> {
        match &c.kind {
            Kind::Read => {
                if self.registered() {
                    let line = format!("+COPS: 0,0,\"{}\",{}", self.cfg.operator, self.act());
                    self.info(&line);
                } else {
                    self.info("+COPS: 0");
                }
                Ok(Done::Ok)
            }
            Kind::Test => {
                if self.s.cfun != 1 {
                    return Err(Fail::Cme(errors::CME_NO_NETWORK));
                }
                let line = format!(
                    "+COPS: (2,\"{}\",\"TDG\",\"26201\",{}),,(0-4),(0-2)",
                    self.cfg.operator,
                    self.act()
                );
                self.info(&line);
                Ok(Done::Ok)
            }
            Kind::Set(v) => match num(args(v).first()) {
                Some(0..=4) => Ok(Done::Ok),
                _ => Err(Fail::Cme(errors::CME_NOT_SUPPORTED)),
            },
            Kind::Exec => Ok(Done::Ok),
        }
    }

    fn cfun(&mut self, c: &Cmd) -> Result<Done, Fail> {
        match &c.kind {
            Kind::Read => {
                self.info(&format!("+CFUN: {}", self.s.cfun));
                Ok(Done::Ok)
            }
            Kind::Test => {
                self.info("+CFUN: (0,1,4),(0-1)");
                Ok(Done::Ok)
            }
            Kind::Exec => Err(Fail::Error),
            Kind::Set(v) => {
                let a = args(v);
                let fun = num(a.first());
                let reset = num(a.get(1)) == Some(1);
                match fun {
                    Some(0) | Some(4) => {
                        self.s.cfun = fun.unwrap_or(0) as u8;
                        Ok(Done::Ok)
                    }
                    Some(1) if reset => {
                        // A reset: power-on state, start-up lines after OK.
                        self.power_cycle();
                        if self.cfg.boot_urcs {
                            for l in self.prof.boot {
                                self.after_final.push((*l).into());
                            }
                        }
                        Ok(Done::Ok)
                    }
                    Some(1) => {
                        self.s.cfun = 1;
                        Ok(Done::Ok)
                    }
                    _ => Err(Fail::Cme(errors::CME_NOT_SUPPORTED)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_take_digits_up_to_max() {
        assert_eq!(flag(&Kind::Set("1".into()), 1), Ok(1));
        assert_eq!(flag(&Kind::Exec, 1), Ok(0));
        assert_eq!(flag(&Kind::Set("3".into()), 2), Err(Fail::Error));
    }
}
