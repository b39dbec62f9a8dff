"""The M/M/c queue of sim/models/mmc.ts written in idiomatic SimPy, as the
baseline that bench/engine.ts compares our engine against.

Usage: simpy_mmc.py --customers N [--arrival-rate-per-ms L] [--service-rate-per-ms M]
                    [--servers C] [--seed S]
Prints one JSON object: {"events", "wall_s", "mean_wait_ms", "customers_served"}.

How events are counted: like our engine's run of the same model, two events per
customer, its arrival and its departure, so events = 2 * customers served and
events / wall_s is comparable with engine_events_per_s. SimPy itself schedules
more internal events per customer (the customer process's Initialize, the
source's inter-arrival Timeout, the Resource Request and Release, the service
Timeout and the process's termination); those are its implementation of the
same two model events, not extra work the model asks for, so they are not counted.
wall_s covers env.run() only, not interpreter start-up or imports.
"""

import argparse
import json
import random
import time

import simpy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, required=True, help="customers to generate")
    parser.add_argument("--arrival-rate-per-ms", type=float, default=0.8, help="Poisson arrival rate")
    parser.add_argument("--service-rate-per-ms", type=float, default=0.25, help="service rate of one server")
    parser.add_argument("--servers", type=int, default=4, help="number of servers c")
    parser.add_argument("--seed", type=int, default=1, help="seed of Python's random.Random")
    args = parser.parse_args()
    if args.customers < 1:
        parser.error(f"expected a positive integer --customers, got {args.customers}")

    rng = random.Random(args.seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=args.servers)
    totals = {"wait_ms": 0.0, "served": 0}

    def customer(env: simpy.Environment):
        arrival_ms = env.now
        with servers.request() as request:
            yield request
            totals["wait_ms"] += env.now - arrival_ms
            yield env.timeout(rng.expovariate(args.service_rate_per_ms))
        totals["served"] += 1

    def source(env: simpy.Environment):
        for _ in range(args.customers):
            yield env.timeout(rng.expovariate(args.arrival_rate_per_ms))
            env.process(customer(env))

    env.process(source(env))
    start = time.perf_counter()
    env.run()
    wall_s = time.perf_counter() - start

    served = totals["served"]
    print(json.dumps({
        "events": 2 * served,
        "wall_s": wall_s,
        "mean_wait_ms": totals["wait_ms"] / served,
        "customers_served": served,
    }))


if __name__ == "__main__":
    main()
