"""Which scenario applies to a request or a job: the registry of built-ins and files loaded by
path, each key's own setting, and the names an error may list to a key.

`MockService` inherits it; the attributes below are the service's, set in its `__init__`.
"""

from __future__ import annotations

from mockserver.domain.errors import ApiError
from mockserver.domain.jobs import Job
from mockserver.domain.scenarios import Answers, Scenario, ScenarioError, ScenarioFiles, resolve_scenario
from mockserver.domain.store import JobStore
from mockserver.domain.versions import ApiVersion

__all__ = ["ScenarioChoice"]


class ScenarioChoice:
    scenarios: dict[str, Scenario]
    files: ScenarioFiles  # scenarios given by path, read again when they change
    default_scenario: str
    store: JobStore
    version: ApiVersion
    _builtin: frozenset[str]  # names every key may see (files loaded later are not)

    def add_scenario(self, name_or_path: str) -> str:
        """Make a built-in or a scenario file usable by name; returns the name to use."""
        if name_or_path not in self.scenarios:
            found = resolve_scenario(name_or_path, self.scenarios, self.version.fault_statuses)
            self.scenarios[name_or_path] = found
            self.files.watch(name_or_path)
        return name_or_path

    def reload_scenarios(self, *, strict: bool = True) -> list[str]:
        """Read every changed scenario file again; the names reloaded. `strict`: an invalid file raises
        (400 naming it); otherwise its last good version stays in use."""
        reloaded = []
        for name in self.files.names():
            try:
                fresh = self.files.changed(name)
            except ScenarioError as exc:
                if strict:
                    raise ApiError.invalid("scenario", str(exc)) from None
                continue
            if fresh is not None:
                self.scenarios[name] = fresh
                reloaded.append(name)
        return reloaded

    def scenario_key(self, tenant: str, requested: str | None = None) -> str:
        """Which scenario applies: the request's header, then the key's own setting, then the server's.

        The key is what jobs remember (a built-in name, or the path a file was loaded from).
        """
        return self.scenario_name(tenant, requested or self.store.tenant(tenant).scenario)

    def scenario_name(self, tenant: str, name: str | None) -> str:
        """`scenario_key` of a name already chosen between the header and the key's setting."""
        name = name or self.default_scenario
        if name in self.files:
            self._refresh(name)
        if name not in self.scenarios:
            allowed = self.scenario_names(tenant)
            raise ApiError.invalid("X-Mock-Scenario", f"unknown scenario {name!r}", allowed=allowed)
        return name

    def scenario_names(self, tenant: str | None) -> list[str]:
        """The scenarios an error may list to `tenant` (None: the operator, all of them): the
        built-ins, the server's default and the key's own setting, never files other keys loaded."""
        if tenant is None:
            return sorted(self.scenarios)
        own = self.store.tenant(tenant).scenario
        return sorted(self._builtin | {self.default_scenario} | ({own} if own else set()))

    def set_tenant_scenario(self, tenant: str, name: str | None) -> None:
        if name is not None:
            try:
                self.add_scenario(name)
            except ScenarioError as exc:
                raise ApiError.invalid("scenario", str(exc), allowed=self.scenario_names(tenant)) from None
        self.store.set_scenario(tenant, name)

    def answers(self, job: Job) -> Answers:
        """How the job's scenario shapes its bodies (plain for a restored job whose file is gone)."""
        scenario = self.scenarios.get(job.scenario)  # `_scenario_of`, inline: every submit and poll asks
        return scenario.answers if scenario is not None else _PLAIN

    def _refresh(self, name: str) -> None:
        """A submit under a scenario file sees its latest valid version (edited without a restart)."""
        try:
            fresh = self.files.changed(name)
        except ScenarioError:
            return  # the last good version stays; POST /_mock/scenarios/reload says what is wrong
        if fresh is not None:
            self.scenarios[name] = fresh

    def _scenario_of(self, job: Job) -> Scenario | None:
        # None: a restored job whose scenario file is gone; its timeline is on the job already.
        return self.scenarios.get(job.scenario)

    def _refunds(self, job: Job) -> bool:
        scenario = self._scenario_of(job)
        return scenario is None or scenario.refund


_PLAIN = Answers()
