import collections, time
from tests.functional.test_api_fuzzing import known_ids, served, _with_known_ids, _checks  # noqa: F401

def test_cov(served, known_ids, token):
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi.checks import negative_data_rejection
    schema = schemathesis.openapi.from_url(f"{served}/openapi.json")
    headers = {"Authorization": "Bearer " + token("supervisor")}
    checks = _checks()
    fails = []
    stats = collections.Counter()
    t0 = time.perf_counter()
    for result in schema.get_all_operations():
        op = result.ok()
        names = [p.name for p in op.path_parameters]
        bound = {n: known_ids[n] for n in names}
        if op.path.endswith("/{referral_id}/visits"):
            bound["referral_id"] = known_ids["accepted_referral_id"]
        cfg = schema.config.generation_for(operation=op)
        n = 0
        for case in schema.iter_coverage_cases(op, generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], generation_config=cfg):
            if n >= 150: break
            n += 1
            if case.path_parameters and set(case.path_parameters) == set(bound):
                case.path_parameters = dict(bound)
            neg = case.meta and case.meta.generation.mode.is_negative
            sent = dict(headers) if ("Authorization" in (case.headers or {}) or not neg) else {}
            try:
                r = case.call_and_validate(base_url=served, headers=sent, checks=checks + ([negative_data_rejection] if neg else []), timeout=30)
                stats[(op.label, r.status_code)] += 1
            except BaseException as e:
                if isinstance(e, KeyboardInterrupt): raise
                fails.append(f"{op.label}: {str(e)[:1500]}")
        print("COV", op.label, n)
    print("COVTIME", time.perf_counter() - t0)
    for f in fails: print("COVFAIL", f.replace("\n", " | "))
    print("COVSTATS", sorted(stats.items()))
    assert 0
