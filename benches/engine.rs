//! Native engine benchmark: criterion's statistics, then one line with events/s and
//! requests/s that `benches/engine.sh` compares with the browser run.
//! (Native only: on wasm32 the browser bench, `tests/browser_bench.rs`, does this job.)

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(not(target_arch = "wasm32"))]
#[path = "workload.rs"]
mod workload;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    use criterion::{Criterion, Throughput, criterion_group};

    use crate::workload;

    #[allow(clippy::disallowed_methods, reason = "a benchmark measures wall time")]
    fn engine(c: &mut Criterion) {
        let topology = workload::topology();
        let mut group = c.benchmark_group("engine");
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(8));
        group.throughput(Throughput::Elements(workload::REQUESTS));
        group.bench_function("stage3_1M_requests", |b| {
            b.iter(|| black_box(workload::run(&topology, workload::REQUESTS)))
        });
        group.finish();

        // One more timed run, for the plain figures the comparison script reads.
        let mut best = Duration::MAX;
        let mut last = None;
        for _ in 0..3 {
            let start = Instant::now();
            let run = workload::run(&topology, workload::REQUESTS);
            best = best.min(start.elapsed());
            last = Some(run);
        }
        if let Some(run) = last {
            let secs = best.as_secs_f64();
            println!(
                "native: {} requests ({} served), {} events in {:.3} s: {:.2} M events/s, {:.2} M requests/s",
                run.requests,
                run.served,
                run.events,
                secs,
                run.events as f64 / secs / 1e6,
                run.requests as f64 / secs / 1e6
            );
        }
    }

    criterion_group!(benches, engine);
}
