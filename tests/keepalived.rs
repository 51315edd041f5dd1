//! A real keepalived pair against the simulator (issue 14; domain rules B2.3, B2.6, B2.10,
//! B2.11). Native only, as root: it needs `ip` (iproute2) and `keepalived` 2.2.7.
//!
//! Two network namespaces made here, joined by a veth pair whose ends are called `eth0`, hold
//! lb-01 (10.0.0.2) and lb-02 (10.0.0.3) with the stage-3 `keepalived.conf` files exactly as
//! exported, but for one word: the track script looks for a stand-in process named after this
//! run instead of `haproxy` (a `sleep` started under a unique name), so HAProxy processes of
//! other tests on the machine cannot answer for it. keepalived runs in the foreground with
//! its own config, pid files and log under a scratch directory. The test then crashes lb-01
//! (SIGKILL), restarts it, stops it cleanly (SIGTERM), restarts it, kills its "HAProxy" and
//! starts it again, polls who holds 8.8.8.8 every few milliseconds, replays the same inputs at
//! the same offsets in the simulator and compares every change of holder.
//!
//! The model leaves out keepalived's own start-up and scheduling, so the real pair may be late
//! by those (up to 0.4 s after a restart here, a few tens of milliseconds otherwise), never
//! early by more than the polling. A crash is compared with the range the model allows: the
//! last advert went out 0–1 s before the crash, at an instant the test cannot see.
//!
//! Everything is bounded (every wait has a deadline) and cleaned up on every path: the guard
//! kills the keepalived processes and the stand-ins and deletes both namespaces.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::disallowed_methods,
    reason = "a native test timing real keepalived processes needs the wall clock; the \
              simulator it is compared with never reads it"
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use stacksim::sim::engine::{Config, Input, Output, Simulation};
use stacksim::sim::export::export;
use stacksim::sim::presets;
use stacksim::sim::time::{SimDuration, SimTime};
use stacksim::sim::vrrp::CHK_HAPROXY;

const VIP: &str = "8.8.8.8";
/// How often the holder is polled.
const POLL: Duration = Duration::from_millis(5);

/// Where a program is installed: on `PATH` or in the sbin directories. A missing program fails
/// the test with the Debian package to install; it is never skipped.
fn locate(program: &str, package: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from));
    dirs.iter()
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("`{program}` is not installed: apt-get install -y {package}"))
}

/// Runs a short command; panics with its output if it fails.
#[track_caller]
fn must(program: &Path, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {}: {}{}",
        program.display(),
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Sends `signal` to a process; a process already gone is fine.
fn signal(pid: u32, signal: &str) {
    let _ = Command::new(locate("kill", "procps"))
        .args([signal, &pid.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// One side of the pair: a namespace with keepalived and the stand-in "HAProxy" in it.
struct Side {
    ns: String,
    /// keepalived's config, and its pid files and log, are `<dir>/<name>.*`.
    name: &'static str,
    keepalived: Option<Child>,
    standin: Option<Child>,
    standin_path: PathBuf,
}

/// The whole set-up; dropping it kills every process it started and deletes the namespaces.
struct Pair {
    dir: PathBuf,
    ip: PathBuf,
    keepalived: PathBuf,
    sides: [Side; 2],
    /// keepalived processes sent SIGTERM, not yet reaped.
    stopping: Vec<Child>,
}

impl Pair {
    fn new() -> Pair {
        let ip = locate("ip", "iproute2");
        let keepalived = locate("keepalived", "keepalived");
        let id = std::process::id();
        let dir = std::env::temp_dir().join(format!("stacksim-keepalived-{id}"));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch directory");
        let side = |letter: char, name: &'static str| Side {
            ns: format!("ssim-ka-{id}-{letter}"),
            name,
            keepalived: None,
            standin: None,
            // `pgrep -x` matches the process name: at most 15 characters.
            standin_path: dir.join(format!("ssha{id}{letter}")),
        };
        let sides = [side('a', "lb-01"), side('b', "lb-02")];
        let mut pair = Pair {
            dir,
            ip,
            keepalived,
            sides,
            stopping: Vec::new(),
        };
        pair.network(id);
        pair.configs();
        pair
    }

    /// Two namespaces joined by a veth pair, each end renamed `eth0` with the exported
    /// address of its load balancer.
    fn network(&mut self, id: u32) {
        let ip = self.ip.clone();
        for side in &self.sides {
            must(&ip, &["netns", "add", &side.ns]);
        }
        let (a, b) = (format!("ssva{id}"), format!("ssvb{id}"));
        must(
            &ip,
            &["link", "add", &a, "type", "veth", "peer", "name", &b],
        );
        for ((side, end), address) in self
            .sides
            .iter()
            .zip([&a, &b])
            .zip(["10.0.0.2/24", "10.0.0.3/24"])
        {
            let ns = side.ns.as_str();
            must(&ip, &["link", "set", end, "netns", ns]);
            must(&ip, &["-n", ns, "link", "set", end, "name", "eth0"]);
            must(&ip, &["-n", ns, "addr", "add", address, "dev", "eth0"]);
            must(&ip, &["-n", ns, "link", "set", "lo", "up"]);
            must(&ip, &["-n", ns, "link", "set", "eth0", "up"]);
        }
    }

    /// The exported stage-3 files, with the stand-in's name for `haproxy` in the script.
    fn configs(&self) {
        let topology = presets::topology(3).expect("stage 3");
        let files = export(&topology);
        for side in &self.sides {
            let path = format!("{}/keepalived.conf", side.name);
            let text = &files
                .iter()
                .find(|f| f.path == path)
                .unwrap_or_else(|| panic!("{path} is exported"))
                .contents;
            let script = format!("script \"{}\"", CHK_HAPROXY.script);
            assert!(text.contains(&script), "{path} runs {script}:\n{text}");
            let standin = side
                .standin_path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("a name");
            let adapted = text.replace(&script, &script.replace("haproxy", standin));
            fs::write(self.dir.join(format!("{}.conf", side.name)), adapted).expect("write");
            std::os::unix::fs::symlink("/bin/sleep", &side.standin_path).expect("stand-in");
        }
    }

    fn start_standin(&mut self, side: usize) {
        let child = Command::new(&self.sides[side].standin_path)
            .arg("3600")
            .stdin(Stdio::null())
            .spawn()
            .expect("start the stand-in");
        self.sides[side].standin = Some(child);
    }

    fn kill_standin(&mut self, side: usize) {
        if let Some(mut child) = self.sides[side].standin.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn start_keepalived(&mut self, side: usize) {
        let s = &self.sides[side];
        let file = |ext: &str| self.dir.join(format!("{}.{ext}", s.name));
        let log = fs::File::create(file("log")).expect("log file");
        let child = Command::new(&self.ip)
            .args(["netns", "exec", &s.ns])
            .arg(&self.keepalived)
            .args(["--dont-fork", "--log-console", "--log-detail", "--vrrp"])
            .arg("--use-file")
            .arg(file("conf"))
            .arg("--pid")
            .arg(file("pid"))
            .arg("--vrrp_pid")
            .arg(file("vrrp.pid"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start keepalived");
        self.sides[side].keepalived = Some(child);
    }

    /// The pid of the VRRP child process keepalived forked, once it has written it.
    fn vrrp_pid(&self, side: usize) -> Option<u32> {
        let path = self.dir.join(format!("{}.vrrp.pid", self.sides[side].name));
        fs::read_to_string(path).ok()?.trim().parse().ok()
    }

    /// A crash: the parent is frozen (so it cannot restart its child), the VRRP process and
    /// the parent are killed, and the address they left behind is removed, as a dead host's
    /// would be gone.
    fn crash(&mut self, side: usize) {
        let Some(mut child) = self.sides[side].keepalived.take() else {
            return;
        };
        signal(child.id(), "-STOP");
        if let Some(pid) = self.vrrp_pid(side) {
            signal(pid, "-KILL");
        }
        let _ = child.kill();
        let _ = child.wait();
        let ns = self.sides[side].ns.clone();
        let _ = Command::new(&self.ip)
            .args([
                "-n",
                &ns,
                "addr",
                "del",
                &format!("{VIP}/32"),
                "dev",
                "eth0",
            ])
            .stderr(Stdio::null())
            .status();
    }

    /// A clean stop: SIGTERM, as `systemctl stop keepalived` sends. keepalived takes a while
    /// to exit after its priority-0 advert, so the process is reaped later ([`Pair::reap`]).
    fn stop(&mut self, side: usize) {
        if let Some(child) = self.sides[side].keepalived.take() {
            signal(child.id(), "-TERM");
            self.stopping.push(child);
        }
    }

    /// Waits (at most 10 s) for the stopped keepalived processes to exit; kills the rest.
    fn reap(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        for mut child in self.stopping.drain(..) {
            while Instant::now() < deadline && child.try_wait().ok().flatten().is_none() {
                thread::sleep(POLL);
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn holds(&self, side: usize) -> bool {
        let out = Command::new(&self.ip)
            .args([
                "-n",
                &self.sides[side].ns,
                "-4",
                "-o",
                "addr",
                "show",
                "dev",
                "eth0",
            ])
            .stdin(Stdio::null())
            .output();
        out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(&format!("{VIP}/32")))
    }

    /// Who holds the VIP now: (lb-01, lb-02).
    fn holders(&self) -> (bool, bool) {
        (self.holds(0), self.holds(1))
    }

    /// Waits (at most `limit`) until the holders are `want`; returns when it saw them.
    #[track_caller]
    fn wait_for(&self, want: (bool, bool), limit: Duration) -> Instant {
        let deadline = Instant::now() + limit;
        loop {
            let now = Instant::now();
            let seen = self.holders();
            if seen == want {
                return now;
            }
            assert!(
                now < deadline,
                "holders {seen:?}, wanted {want:?} within {limit:?}; logs:\n{}",
                self.logs()
            );
            thread::sleep(POLL);
        }
    }

    fn logs(&self) -> String {
        self.sides
            .iter()
            .map(|s| {
                let log = fs::read_to_string(self.dir.join(format!("{}.log", s.name)));
                format!("--- {}\n{}", s.name, log.unwrap_or_default())
            })
            .collect()
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for child in &mut self.stopping {
            let _ = child.kill();
            let _ = child.wait();
        }
        for side in 0..self.sides.len() {
            self.crash(side);
            self.kill_standin(side);
        }
        for side in &self.sides {
            let _ = Command::new(&self.ip)
                .args(["netns", "del", &side.ns])
                .stderr(Stdio::null())
                .status();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// What happened to lb-01, and when (seconds after the first input).
#[derive(Clone, Copy, Debug)]
enum Step {
    Crash,
    Restart,
    Stop,
    KillHaproxy,
    StartHaproxy,
}

/// The simulator's holder changes for the same inputs at the same offsets (from 10 s, so the
/// pair has been running a while): (seconds after the first input, holder).
fn simulated(steps: &[(f64, Step)]) -> Vec<(f64, Option<String>)> {
    let topology = presets::topology(3).expect("stage 3");
    let mut sim = Simulation::new(&topology, Config::default()).expect("simulates");
    let base = 10.0;
    let at = |s: f64| SimTime::from_micros(((base + s) * 1e6).round() as u64);
    let mut last = 0.0;
    for &(s, step) in steps {
        let input = match step {
            Step::Crash => Input::HostDown("lb-01".into()),
            Step::Restart => Input::HostUp("lb-01".into()),
            Step::Stop => Input::HostStop("lb-01".into()),
            Step::KillHaproxy => Input::ServiceDown("lb-01.haproxy".into()),
            Step::StartHaproxy => Input::ServiceUp("lb-01.haproxy".into()),
        };
        sim.handle(at(s), input).expect("known");
        last = s;
    }
    sim.advance_to(at(last) + SimDuration::from_secs(20));
    std::iter::from_fn(|| sim.poll_output())
        .filter_map(|o| match o {
            Output::VipHolder { holder, at, .. } => {
                Some((at.as_micros() as f64 / 1e6 - base, holder))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn real_keepalived_pair_fails_over_as_the_simulator_predicts() {
    let mut pair = Pair::new();
    pair.start_standin(0);
    pair.start_standin(1);
    pair.start_keepalived(0);
    pair.start_keepalived(1);
    pair.wait_for((true, false), Duration::from_secs(10));
    thread::sleep(Duration::from_millis(1500));
    let ten = Duration::from_secs(10);
    let t0 = Instant::now();
    let secs = |at: Instant| at.duration_since(t0).as_secs_f64();
    let mut steps: Vec<(f64, Step)> = Vec::new();
    let mut real: Vec<(f64, Option<&str>)> = Vec::new();

    // B2.3: a crash; lb-02 waits its Master_Down_Interval from the last advert.
    pair.crash(0);
    steps.push((0.0, Step::Crash));
    real.push((secs(pair.wait_for((false, true), ten)), Some("lb-02")));
    thread::sleep(Duration::from_millis(1000));

    // B2.6: lb-01 restarts as BACKUP and preempts when its own timer expires.
    let restart = Instant::now();
    pair.start_keepalived(0);
    steps.push((secs(restart), Step::Restart));
    real.push((secs(pair.wait_for((true, false), ten)), Some("lb-01")));
    thread::sleep(Duration::from_millis(1000));

    // B2.10: a clean stop; lb-02 waits its skew time only.
    let stop = Instant::now();
    pair.stop(0);
    steps.push((secs(stop), Step::Stop));
    real.push((secs(pair.wait_for((false, true), ten)), Some("lb-02")));
    pair.reap();
    thread::sleep(Duration::from_millis(1000));

    let restart = Instant::now();
    pair.start_keepalived(0);
    steps.push((secs(restart), Step::Restart));
    real.push((secs(pair.wait_for((true, false), ten)), Some("lb-01")));

    // B2.11: "HAProxy" dies half-way between two runs of chk_haproxy (they run from the
    // restart every 2 s), so keepalived's start-up cannot change which run notices it.
    let half = |from: Instant, after: Instant| {
        let since = after.duration_since(from).as_secs_f64();
        let interval = f64::from(CHK_HAPROXY.interval_s);
        from + Duration::from_secs_f64(((since / interval).floor() + 1.5) * interval)
    };
    let kill = half(restart, Instant::now() + Duration::from_millis(500));
    thread::sleep(kill.saturating_duration_since(Instant::now()));
    pair.kill_standin(0);
    steps.push((secs(Instant::now()), Step::KillHaproxy));
    real.push((secs(pair.wait_for((false, false), ten)), None));
    real.push((secs(pair.wait_for((false, true), ten)), Some("lb-02")));

    // ... and comes back half-way between two runs: rise 2, then lb-01's timer.
    let back = half(restart, Instant::now() + Duration::from_millis(500));
    thread::sleep(back.saturating_duration_since(Instant::now()));
    pair.start_standin(0);
    steps.push((secs(Instant::now()), Step::StartHaproxy));
    real.push((secs(pair.wait_for((true, false), ten)), Some("lb-01")));

    let logs = pair.logs();
    drop(pair);

    // The simulator also reports "nobody holds it" right after the crash and the clean stop;
    // the real side only sees who holds it, and "nobody" after the script's FAULT.
    let simulated = simulated(&steps);
    let sim: Vec<(f64, Option<&str>)> = simulated
        .iter()
        .filter(|(at, holder)| {
            holder.is_some() || matches!(step_before(&steps, *at), Some(Step::KillHaproxy))
        })
        .map(|(at, holder)| (*at, holder.as_deref()))
        .collect();
    let figures = format!("steps {steps:?}\nreal {real:?}\nsimulated {sim:?}");
    println!("{figures}");
    let report = format!("{figures}\n{logs}");
    assert_eq!(sim.len(), real.len(), "{report}");
    // (what, allowed lateness of the real pair: min, max) per change, in order.
    let crash_phase = 1.0;
    let bounds = [
        ("crash: lb-02 takes over", -crash_phase - 0.05, 0.25),
        ("restart: lb-01 preempts", -0.03, 0.4),
        ("clean stop: lb-02 takes over", -0.03, 0.25),
        ("restart: lb-01 preempts", -0.03, 0.4),
        ("HAProxy dies: lb-01 gives up", -0.03, 0.4),
        ("HAProxy dies: lb-02 takes over", -0.03, 0.45),
        ("HAProxy back: lb-01 preempts", -0.03, 0.8),
    ];
    for (i, ((real_at, real_holder), (sim_at, sim_holder))) in real.iter().zip(&sim).enumerate() {
        let (what, early, late) = bounds[i];
        assert_eq!(real_holder, sim_holder, "{what}\n{report}");
        let late_by = real_at - sim_at;
        assert!(
            (early..=late).contains(&late_by),
            "{what}: real {real_at:.3} s, simulated {sim_at:.3} s\n{report}"
        );
    }
    // The skew-only handovers, measured on their own: 0.609 s in the model.
    let handover = real[5].0 - real[4].0;
    assert!((0.58..=0.85).contains(&handover), "{handover}\n{report}");
    let clean = real[2].0 - steps[2].0;
    assert!((0.58..=0.85).contains(&clean), "{clean}\n{report}");
}

/// The last step at or before `at`.
fn step_before(steps: &[(f64, Step)], at: f64) -> Option<Step> {
    steps
        .iter()
        .rev()
        .find(|(s, _)| *s <= at + 1e-9)
        .map(|(_, step)| *step)
}
