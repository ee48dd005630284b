#!/usr/bin/env python3
"""SMS PDU peer for switchboard's cross-check test.

Runs PDUs that switchboard encoded through SMS PDU implementations nobody
here wrote, and encodes PDUs with them for switchboard to decode:

- smspdudecoder (Qotto): decodes SMS-SUBMIT and SMS-DELIVER; its field
  encoders (Date, Number, TypeOfAddress, GSM, UCS2) build SMS-DELIVERs.
- python-gsmmodem-new (gsmmodem.pdu): decodes SUBMIT, DELIVER and
  STATUS-REPORT; encodes SMS-SUBMIT (multipart included); its address and
  timestamp encoders build STATUS-REPORTs.

Reads {"cases": [...]} as JSON on stdin and writes {"peers": {...},
"results": [...]} to stdout, one result per case in order. A case that the
peer library rejects gives {"id", "ok": false, "error"}; a missing library
is a crash (exit status 1), never a skip.
"""

import json
import os
import sys
import warnings
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from io import StringIO

HERE = os.path.dirname(os.path.abspath(__file__))
# scripts/test installs the pinned requirements here (pip --target).
sys.path.insert(0, os.path.join(HERE, ".deps"))
# gsmmodem/modem.py (not used here) compiles with SyntaxWarnings on Python 3.8+.
warnings.filterwarnings("ignore", category=SyntaxWarning)

from smspdudecoder.codecs import GSM, UCS2  # noqa: E402
from smspdudecoder.elements import Date, Number, TypeOfAddress  # noqa: E402
from smspdudecoder.fields import SMSDeliver, SMSSubmit  # noqa: E402
from gsmmodem import pdu as gsmpdu  # noqa: E402


def concat_of(elements):
    """The concatenation element among smspdudecoder's decoded IEs."""
    for e in elements or []:
        if e["iei"] in (0x00, 0x08):
            d = e["data"]
            return {"reference": d["reference"], "total": d["parts_count"], "seq": d["part_number"]}
    return None


def text_of(data, encoding):
    if encoding == "binary":
        return bytes(data).hex().upper()
    return data


def number_of(addr):
    if addr["toa"]["ton"] == "international":
        return "+" + addr["number"]
    return addr["number"]


def qotto_submit(hex_):
    s = SMSSubmit.decode(StringIO(hex_))
    ud = s["user_data"]
    header = ud.get("header") or {}
    return {
        "reference": s["message-ref"],
        "number": number_of(s["recipient"]),
        "ton": s["recipient"]["toa"]["ton"],
        "srr": s["header"]["srr"],
        "udhi": s["header"]["udhi"],
        "vp": s.get("vp") if s["header"]["vpf"] == 2 else None,
        "encoding": s["dcs"]["encoding"],
        "text": text_of(ud["data"], s["dcs"]["encoding"]),
        "concat": concat_of(header.get("elements")),
    }


def qotto_deliver(hex_):
    d = SMSDeliver.decode(StringIO(hex_))
    ud = d["user_data"]
    header = ud.get("header") or {}
    smsc = d["smsc"]
    return {
        "smsc": number_of(smsc) if smsc["length"] else None,
        "number": number_of(d["sender"]),
        "ton": d["sender"]["toa"]["ton"],
        "sri": d["header"]["sri"],
        "udhi": d["header"]["udhi"],
        "pid": d["pid"],
        "scts": int(d["scts"].timestamp()),
        "encoding": d["dcs"]["encoding"],
        "text": text_of(ud["data"], d["dcs"]["encoding"]),
        "concat": concat_of(header.get("elements")),
    }


def gsmmodem_decode(hex_):
    r = gsmpdu.decodeSmsPdu(hex_)
    out = {"type": r["type"], "smsc": r.get("smsc"), "number": r.get("number")}
    for key in ("reference", "status", "protocol_id"):
        if key in r:
            out[key] = r[key]
    for key in ("time", "discharge"):
        if key in r:
            out[key] = int(r[key].timestamp())
    if isinstance(r.get("validity"), timedelta):
        out["validity_secs"] = int(r["validity"].total_seconds())
    if "text" in r:
        out["text"] = r["text"]
    concat = None
    for ie in r.get("udh", []):
        if isinstance(ie, gsmpdu.Concatenation):
            concat = {"reference": ie.reference, "total": ie.parts, "seq": ie.number}
    out["concat"] = concat
    return out


def decode(case):
    kind = case["kind"]
    hex_ = case["hex"]
    qotto = None
    if kind == "submit":
        qotto = qotto_submit(hex_)
    elif kind == "deliver":
        qotto = qotto_deliver(hex_)
    return {"smspdudecoder": qotto, "gsmmodem": gsmmodem_decode(hex_)}


def encode_submit(case):
    validity = case.get("validity_secs")
    pdus = gsmpdu.encodeSmsSubmitPdu(
        case["number"],
        case["text"],
        reference=case["reference"],
        validity=timedelta(seconds=validity) if validity is not None else None,
        requestStatusReport=case["status_report"],
    )
    return {"pdus": [{"hex": str(p), "tpdu_len": p.tpduLength} for p in pdus]}


def zoned(unix, tz_minutes):
    return datetime.fromtimestamp(unix, timezone(timedelta(minutes=tz_minutes)))


def encode_deliver(case):
    """An SMS-DELIVER from smspdudecoder's field encoders (the sender via
    gsmmodem's address encoder, which also does alphanumeric senders)."""
    out = "00"
    if case.get("smsc"):
        digits = case["smsc"].lstrip("+")
        value = TypeOfAddress.encode({"ton": "international", "npi": "isdn"}) + Number.encode(digits)
        out = "%02X" % (len(value) // 2) + value
    ucs2 = case["ucs2"]
    concat = case.get("concat")
    first = 0x04 | (0x40 if concat else 0)
    out += "%02X" % first
    out += bytes(gsmpdu._encodeAddressField(case["sender"])).hex()
    out += "00" + ("08" if ucs2 else "00")
    out += Date.encode(zoned(case["scts"], case["tz_minutes"]))
    if ucs2:
        body = UCS2.encode(case["text"])
        udh = ""
        if concat:
            udh = "050003%02X%02X%02X" % (concat["reference"], concat["total"], concat["seq"])
        out += "%02X" % ((len(udh) + len(body)) // 2) + udh + body
    else:
        septets = len(gsmpdu.encodeGsm7(case["text"]))
        out += "%02X" % septets + GSM.encode(case["text"])
    return {"hex": out.upper()}


def encode_status_report(case):
    """An SMS-STATUS-REPORT from gsmmodem's address and timestamp encoders."""
    tpdu = bytearray([0x06, case["reference"]])
    tpdu += gsmpdu._encodeAddressField(case["recipient"])
    tpdu += gsmpdu._encodeTimestamp(zoned(case["scts"], case["scts_tz_minutes"]))
    tpdu += gsmpdu._encodeTimestamp(zoned(case["dt"], case["dt_tz_minutes"]))
    tpdu.append(case["status"])
    return {"hex": "00" + bytes(tpdu).hex().upper()}


OPS = {
    "decode": decode,
    "encode_submit": encode_submit,
    "encode_deliver": encode_deliver,
    "encode_status_report": encode_status_report,
}


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        try:
            result = OPS[case["op"]](case)
            result.update({"id": case["id"], "ok": True})
        except Exception as e:  # the peer refusing a PDU is a result to compare
            result = {"id": case["id"], "ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        results.append(result)
    peers = {name: version(name) for name in ("smspdudecoder", "python-gsmmodem-new")}
    json.dump({"peers": peers, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
