from tests.factories import add_logs, add_steps, make_execution


def test_detail_answers_the_execution(api, tenant):
    execution = make_execution(tenant=tenant, status="running")
    add_steps(execution, 2)
    add_logs(execution, 3)
    response = api.get(f"executions/{execution.pk}")
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["execution_id"] == str(execution.pk)
    assert [line["sequence"] for line in body["logs"]] == [1, 2, 3]
