#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The seed method on the real stack, both ways: vuiccd's policy core and
CN105491555A's method as written (policy = cn105491555a), each run on the
same netsim scenarios in the VM (vuicc.ko, netsim's modem and network with
libosmocore's AuC, the reference SIM server, vuiccd).

  e2e_failover.py run [--scenarios DIR] [--policies P,P] [--only N,N] [--count N] [--cap S]
      in the VM (tools/testing/bench/e2e-failover starts it): runs every
      scenario under each policy and prints "E2E-FAILOVER-RESULT: {...}" for
      each as it ends, then "E2E-FAILOVER-END: {...}"
  e2e_failover.py report [--json] < those lines
      the table, the ratios and the scenarios where vuiccd was slower

A scenario file holds netsim sections ([location], [fail], [events], and
optionally [modem modem0] keys); its first lines may say
"# e2e: class=NAME master=active|expired|barred va=active|expired|absent".
The runner adds the modem's fast delays, the subscribers of the test
profiles (seed-netsim the master, standby-a, standby-b; 3GPP TS 35.207
test set 1 keys, published) and the VSIMs of the server's pool.

Time to data: from vuiccd's start to the SIM server's first answer through
a seed (vuiccd's log, ms).  Time to VSIM: to the policy's phase "vsim-up"
(the status, polled every 0.25 s).  A run that gets neither by --cap counts
as --cap seconds, as the simulated benchmark counts its runs without data.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "../../.."))
D = "/tmp/e2e-failover"
SOCK = D + "/vuiccd.sock"
MASTER, SA, SB = "001010000000011", "001020000000021", "001030000000031"
VA, VB, V2 = "001010000000201", "001010000000202", "001020000000301"
K = "465b5ce8b199b49faa5f0a2ee238a6bc"
OPC = "cd63cb71954a9f4e48a5994e37a02baf"
POLICIES = ("vuiccd", "cn105491555a")
MODEM_DEFAULTS = [("card", "0"), ("at_link", "/run/netsim/modem0"), ("location", None),
                  ("at_delay_ms", "2"), ("boot_ms", "100"), ("search_ms", "300"),
                  ("attach_ms", "300"), ("pdp_ms", "100"), ("scan_ms", "600")]


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=False, **kw)


def setup():
    shutil.rmtree(D, ignore_errors=True)
    os.makedirs(D + "/pki")
    os.makedirs(D + "/profiles")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    pki = D + "/pki"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": pki}
    ok = sh("openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days",
            "2", "-subj", "/CN=vuicc-test-ca", "-addext", "basicConstraints=critical,CA:TRUE",
            **quiet).returncode == 0
    ok = ok and sh("openssl", "req", *ec, "-keyout", "server.key", "-out", "server.csr",
                   "-subj", "/CN=192.0.2.1", **quiet).returncode == 0
    with open(pki + "/ext", "w") as f:
        f.write("subjectAltName=IP:192.0.2.1\n")
    ok = ok and sh("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey",
                   "ca.key", "-CAcreateserial", "-out", "server.crt", "-days", "2",
                   "-extfile", "ext", **quiet).returncode == 0
    if not ok:
        sys.exit("e2e_failover: the test PKI (openssl) could not be made")
    secret = os.urandom(16).hex()	# made up; never printed
    with open(D + "/devices", "w") as f:
        f.write("dev-e2e:%s\n" % secret)
    for p in ("seed-netsim", "standby-a", "standby-b"):
        dst = "%s/profiles/%s.conf" % (D, p)
        shutil.copy("%s/tools/testing/profiles/%s.conf" % (TOP, p), dst)
        os.chmod(dst, 0o600)
    vsims = []
    for name, imsi, plmn, iccid in (("vsim-a", VA, "00101", "8988211000000002010"),
                                    ("vsim-b", VB, "00101", "8988211000000002028"),
                                    ("vsim-02", V2, "00102", "8988211000000003018")):
        vsims.append({"name": name, "plmn": plmn, "rats": ["lte", "umts", "gsm"], "profile":
                      "# made-up VSIM (3GPP TS 35.207 test set 1 keys)\nname = %s\n"
                      "kind = vsim\niccid = %s\nimsi = %s\nalgorithm = milenage\nk = %s\n"
                      "opc = %s\nrats = lte,umts,gsm\nplmns = %s\n"
                      % (name, iccid, imsi, K, OPC, plmn)})
    with open(D + "/pool.json", "w") as f:
        json.dump({"lease_seconds": 3600, "seeds": [], "vsims": vsims}, f)
    return secret


def vuiccd_conf(policy, secret, scan_port):
    path = "%s/vuiccd-%s.conf" % (D, policy)
    with open(path, "w") as f:
        f.write("cards = 2\nprofiles_dir = %s/profiles\nstate_dir = %s/state\nsocket = %s\n"
                "log = stderr\nlog_level = info\nmodem = 0 /run/netsim/modem0\n%s"
                "policy = %s\nt_card_ms = 5000\nt_register_ms = 15000\nt_dial_ms = 30000\n"
                "t_data_ms = 15000\nt_scan_ms = 8000\nswitchback = no\n"
                "server_url = https://192.0.2.1:8443/v1\ndevice_id = dev-e2e\n"
                "device_secret = %s\nserver_ca = %s/pki/ca.crt\nserver_timeout_ms = 3000\n"
                "server_attempts = 2\n"
                % (D, D, SOCK, "modem_scan_port = 0 %s\n" % scan_port if scan_port else "",
                   "yes" if policy == "vuiccd" else policy, secret, D))
    os.chmod(path, 0o600)
    return path


def subscriber(imsi, status="active"):
    return ("[subscriber %s]\nalgorithm = milenage\nk = %s\nopc = %s\nsqn = 0x1000\n"
            "status = %s\n\n" % (imsi, K, OPC, status))


def read_scenario(path):
    """(header dict, netsim text, the second AT port or None)"""
    with open(path) as f:
        text = f.read()
    hdr = {}
    for m in re.finditer(r"^# e2e:(.*)$", text, re.M):
        for kv in m.group(1).split():
            k, _, v = kv.partition("=")
            hdr[k] = v
    lines = text.splitlines()
    out, in_modem, have = [], False, set()
    first_loc = None
    for ln in lines:
        m = re.match(r"^\[location\s+(\S+)\]", ln)
        if m and first_loc is None:
            first_loc = m.group(1)
    for ln in lines:
        if re.match(r"^\[", ln):
            if in_modem:
                out.extend(default_keys(have, first_loc))
            in_modem = ln.strip() == "[modem modem0]"
            have = set()
        elif in_modem and "=" in ln:
            have.add(ln.split("=")[0].strip())
        out.append(ln)
    if in_modem:
        out.extend(default_keys(have, first_loc))
    body = "\n".join(out) + "\n"
    if "[modem modem0]" not in body:
        body = "[modem modem0]\n" + "\n".join(default_keys(set(), first_loc)) + "\n\n" + body
    scan = re.search(r"^at2_link\s*=\s*(\S+)", body, re.M)
    va = hdr.get("va", "active")
    full = ("[netsim]\nnetns = netsim-inet\nserver = 192.0.2.1\n\n" + body + "\n" +
            subscriber(MASTER, hdr.get("master", "active")) + subscriber(SA) + subscriber(SB) +
            subscriber(VB) + subscriber(V2) + ("" if va == "absent" else subscriber(VA, va)))
    return hdr, full, scan.group(1) if scan else None


def default_keys(have, loc):
    return ["%s = %s" % (k, v if v is not None else loc) for k, v in MODEM_DEFAULTS
            if k not in have and (v is not None or loc)]


def status():
    try:
        r = subprocess.run(["vuiccctl", "--json", "status", "--socket", SOCK],
                           capture_output=True, text=True, timeout=5)
        s = json.loads(r.stdout)
        return [c for c in s["cards"] if c["card"] == 0][0]
    except (subprocess.SubprocessError, ValueError, KeyError, IndexError):
        return None


def clear_cards():
    for card in ("0", "1"):
        r = sh("vuiccctl", "--json", "profile", "list", "--card", card,
               capture_output=True, text=True)
        try:
            names = [p["name"] for p in json.loads(r.stdout)]
        except ValueError:
            names = []
        for n in names:
            sh("vuiccctl", "profile", "del", n, "--card", card, stdout=subprocess.DEVNULL)


def stop(p):
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            return p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            return p.wait()
    return p.returncode if p else 0


DATA_RE = re.compile(r"^vuiccd\[(\d+\.\d+)\] \w+: card 0: SIM server (vsim|seeds): (ok|server)")


def run_case(name, scn_text, scan_port, policy, secret, cap):
    clear_cards()
    shutil.rmtree(D + "/state", ignore_errors=True)
    scn = "%s/%s.scn" % (D, name)
    with open(scn, "w") as f:
        f.write(scn_text)
    logs = {k: open("%s/%s-%s-%s.log" % (D, k, name, policy), "w")
            for k in ("netsim", "server", "vuiccd")}
    net = subprocess.Popen(["netsim", "--scenario", scn, "--report", D + "/report.json"],
                           stdout=logs["netsim"], stderr=subprocess.STDOUT)
    for _ in range(200):
        ns = sh("ip", "netns", "list", capture_output=True, text=True).stdout
        if "netsim-inet" in ns and os.path.islink("/run/netsim/modem0"):
            break
        time.sleep(0.05)
    srv = subprocess.Popen(["ip", "netns", "exec", "netsim-inet", "python3",
                            TOP + "/tools/simserver/vuicc-simserver", "--pool", D + "/pool.json",
                            "--listen", "192.0.2.1:8443", "--cert", D + "/pki/server.crt",
                            "--key", D + "/pki/server.key", "--devices", D + "/devices",
                            "--seed", "1"], stdout=logs["server"], stderr=subprocess.STDOUT)
    for _ in range(200):
        if os.path.getsize(logs["server"].name):
            break
        time.sleep(0.05)
    t0 = time.monotonic()
    vd = subprocess.Popen(["vuiccd", "-f", "-c", vuiccd_conf(policy, secret, scan_port)],
                          stdout=subprocess.DEVNULL, stderr=logs["vuiccd"])
    t_vsim = None
    while time.monotonic() - t0 < cap and vd.poll() is None:
        c = status()
        if c and (c.get("policy") or {}).get("phase") == "vsim-up":
            t_vsim = time.monotonic() - t0
            break
        time.sleep(0.25)
    rc_vd = stop(vd)
    stop(srv)
    rc_net = stop(net)
    for f in logs.values():
        f.close()
    t_data = None
    with open(logs["vuiccd"].name, errors="replace") as f:
        for ln in f:
            m = DATA_RE.match(ln)
            if m:
                t_data = float(m.group(1)) - t0
                break
    return {"data_s": round(t_data, 3) if t_data is not None else None,
            "vsim_s": round(t_vsim, 3) if t_vsim is not None else None,
            "netsim_ok": rc_net == 0, "vuiccd_exit": rc_vd}


def cmd_run(a):
    for tool in ("netsim", "vuiccd", "vuiccctl", "ip", "openssl"):
        if not shutil.which(tool):
            sys.exit("e2e_failover: %s missing (make tools; make deps)" % tool)
    files = sorted(os.path.join(a.scenarios, f) for f in os.listdir(a.scenarios)
                   if f.endswith(".scn"))
    if a.only:
        want = a.only.split(",")
        files = [f for f in files if any(os.path.basename(f).startswith(w) for w in want)]
    if a.count:
        files = files[:a.count]
    if not files:
        sys.exit("e2e_failover: no *.scn in %s" % a.scenarios)
    policies = a.policies.split(",")
    for p in policies:
        if p not in POLICIES:
            sys.exit("e2e_failover: --policies: %s is not one of %s" % (p, ", ".join(POLICIES)))
    secret = setup()
    # one run not counted: the first start of each program in a fresh VM
    # reads it over 9p (scenario 01 was 0.8-1.3 s slower for whichever
    # policy ran first)
    hdr, text, scan_port = read_scenario(files[0])
    run_case("warm-up", text, scan_port, policies[0], secret, 20)
    out = {"cap_s": a.cap, "policies": policies, "scenarios": []}
    for path in files:
        name = os.path.basename(path)[:-4]
        hdr, text, scan_port = read_scenario(path)
        entry = {"name": name, "class": hdr.get("class", ""), "results": {}}
        for p in policies:
            r = run_case(name, text, scan_port, p, secret, a.cap)
            entry["results"][p] = r
            print("# %s %-14s data %s s, VSIM %s s%s%s" % (
                name, p, r["data_s"], r["vsim_s"],
                "" if r["netsim_ok"] else ", NETSIM FAILED (an IMSI attached twice?)",
                "" if r["vuiccd_exit"] in (0, -15, 143) else
                ", vuiccd ended with %s" % r["vuiccd_exit"]), flush=True)
        out["scenarios"].append(entry)
    clear_cards()
    # the results go to a file the harness copies out (vm/run --save): the
    # VM's serial line can lose bytes of a long burst
    text = "".join("E2E-FAILOVER-RESULT: %s\n" % json.dumps(e, separators=(",", ":"))
                   for e in out["scenarios"])
    text += "E2E-FAILOVER-END: %s\n" % json.dumps({"cap_s": a.cap, "policies": policies,
                                                  "scenarios": len(out["scenarios"])})
    if os.path.isdir(a.out_dir):
        with open(os.path.join(a.out_dir, "save"), "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def p95(xs):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(0.95 * len(xs) + 0.999) - 1)] if xs else float("nan")


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def ratio(a, b):
    return a / b if b else float("nan")


def summarize(res):
    cap = res["cap_s"]
    sc = res["scenarios"]
    have = [p for p in POLICIES if all(p in s["results"] for s in sc)]
    summ = {"scenarios": [], "policies": have, "cap_s": cap}
    for s in sc:
        row = {"name": s["name"], "class": s["class"]}
        for p in have:
            r = s["results"][p]
            row[p] = {"data_s": r["data_s"], "vsim_s": r["vsim_s"]}
        row["usable"] = any(s["results"][p]["data_s"] is not None for p in have)
        summ["scenarios"].append(row)
    failures = []
    for s in sc:
        for p, r in s["results"].items():
            if not r["netsim_ok"]:
                failures.append("%s/%s: netsim failed (an IMSI attached twice)" % (s["name"], p))
            if r["vuiccd_exit"] not in (0, -15, 143):
                failures.append("%s/%s: vuiccd ended with %s" % (s["name"], p, r["vuiccd_exit"]))
    summ["failures"] = failures
    if set(have) == set(POLICIES):
        def col(p, k, rows):
            return [r[p][k] if r[p][k] is not None else cap for r in rows]
        rows = summ["scenarios"]
        usable = [r for r in rows if r["usable"]]
        c = {}
        for tag, rs in (("", rows), ("usable_", usable)):
            for k, kk in (("data", "data_s"), ("vsim", "vsim_s")):
                v, s_ = col("vuiccd", kk, rs), col("cn105491555a", kk, rs)
                c[tag + k + "_mean_ratio"] = round(ratio(mean(v), mean(s_)), 4)
                c[tag + k + "_p95_ratio"] = round(ratio(p95(v), p95(s_)), 4)
        slower = []
        for r in rows:
            v = r["vuiccd"]["data_s"] if r["vuiccd"]["data_s"] is not None else cap
            s_ = r["cn105491555a"]["data_s"] if r["cn105491555a"]["data_s"] is not None else cap
            if v > s_ + 0.5:
                slower.append({"name": r["name"], "vuiccd_s": v, "source_s": s_,
                               "delta_s": round(v - s_, 3)})
        c["slower"] = slower
        c["stranded"] = [r["name"] for r in usable if r["vuiccd"]["data_s"] is None]
        c["usable"] = len(usable)
        summ["compare"] = c
    return summ


def cmd_report(a):
    res, sc, bad = None, [], 0
    for ln in sys.stdin:
        try:
            if ln.startswith("E2E-FAILOVER-RESULT: "):
                sc.append(json.loads(ln[len("E2E-FAILOVER-RESULT: "):]))
            elif ln.startswith("E2E-FAILOVER-END: "):
                res = json.loads(ln[len("E2E-FAILOVER-END: "):])
        except ValueError:
            bad += 1
    if res is None or bad or len(sc) != res["scenarios"]:
        sys.exit("e2e-failover: the VM run's results are incomplete (%d read, %d unreadable)"
                 % (len(sc), bad))
    res["scenarios"] = sc
    s = summarize(res)
    if a.json:
        print(json.dumps(s, indent=1))
    else:
        ps = s["policies"]
        print("%-28s %-14s" % ("scenario", "class") +
              "".join(" %12s %12s" % (p[:12] + " d", p[:12] + " v") for p in ps))
        for r in s["scenarios"]:
            print("%-28s %-14s" % (r["name"], r["class"]) + "".join(
                " %12s %12s" % ("-" if r[p]["data_s"] is None else "%.1f" % r[p]["data_s"],
                                "-" if r[p]["vsim_s"] is None else "%.1f" % r[p]["vsim_s"])
                for p in ps))
        print("(d: time to data, v: time to VSIM, s from vuiccd's start; -: none within %s s)"
              % s["cap_s"])
        c = s.get("compare")
        if c:
            print("vuiccd / source: time to data mean %.3fx, p95 %.3fx; VSIM mean %.3fx, "
                  "p95 %.3fx" % (c["data_mean_ratio"], c["data_p95_ratio"],
                                 c["vsim_mean_ratio"], c["vsim_p95_ratio"]))
            print("  where a seed could connect (%d): data mean %.3fx, p95 %.3fx" %
                  (c["usable"], c["usable_data_mean_ratio"], c["usable_data_p95_ratio"]))
            print("  vuiccd slower (by > 0.5 s) in %d: %s" % (len(c["slower"]), ", ".join(
                "%s (+%.1f s)" % (x["name"], x["delta_s"]) for x in c["slower"]) or "none"))
            print("  vuiccd stranded (no data where the source had it): %s" %
                  (", ".join(c["stranded"]) or "none"))
        for f in s["failures"]:
            print("FAIL " + f)
    bad = s["failures"] or (s.get("compare") and s["compare"]["stranded"])
    sys.exit(1 if bad else 0)


def main():
    ap = argparse.ArgumentParser(prog="e2e_failover.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--scenarios", default=os.path.join(HERE, "e2e-scenarios"))
    r.add_argument("--policies", default=",".join(POLICIES))
    r.add_argument("--count", type=int, default=0)
    r.add_argument("--only", default="", help="scenarios whose names start so, comma-separated")
    r.add_argument("--cap", type=float, default=150.0)
    r.add_argument("--out-dir", default="/run/vuicc-vm",
                   help="where to write the results (the VM harness's run directory)")
    p = sub.add_parser("report")
    p.add_argument("--json", action="store_true")
    a = ap.parse_args()
    cmd_run(a) if a.cmd == "run" else cmd_report(a)


if __name__ == "__main__":
    main()
