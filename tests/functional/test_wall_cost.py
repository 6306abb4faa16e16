"""What a wall screen's update costs (issue 19: the new screens within the floor's figures):
a panel whose figures did not change is not drawn again, a changed figure is drawn alone,
digits drawn once are not laid out again, and an idle strip does not restyle itself."""

from __future__ import annotations

import dataclasses

from textual.visual import Visual

from floorwatch.widgets import big_number
from floorwatch.widgets.alarm_strip import AlarmStrip
from floorwatch.widgets.big_number import BigNumber
from floorwatch.widgets.wall_panel import Metric, WallPanel
from tests.functional.test_wall_screens import laid_out, make_app, sample_db  # noqa: F401


def count_refreshes(monkeypatch) -> dict[str, list]:
    """Every refresh of a figure or a panel's name line, by widget."""
    seen: dict[str, list] = {"metric": [], "title": []}
    real = BigNumber.refresh

    def refresh(self, *args, **kwargs):
        if isinstance(self, Metric):
            seen["metric"].append(self)
        return real(self, *args, **kwargs)

    real_title = WallPanel._title

    def title(self, text):
        if text != self._said:
            seen["title"].append(self)
        return real_title(self, text)

    monkeypatch.setattr(BigNumber, "refresh", refresh)
    monkeypatch.setattr(WallPanel, "_title", title)
    return seen


async def test_an_unchanged_panel_is_not_drawn_again_and_a_changed_figure_alone(
    sample_db,  # noqa: F811
    monkeypatch,
):
    app = make_app(sample_db, wall=True)
    async with app.run_test(size=(200, 60)) as pilot:
        await laid_out(pilot)
        app.live.poll_s = 3600.0  # only the updates below from now on
        screen = app.screen
        update = app.update
        panels = {panel.queue: panel for panel in screen._panels}
        assert list(panels) == [None, "orders", "returns", "vip"]
        seen = count_refreshes(monkeypatch)
        screen.show_update(update)  # the same floor again
        screen.show_update(dataclasses.replace(update))
        assert seen == {"metric": [], "title": []}
        # One more caller waiting in one queue: its "waiting" and the floor's are drawn again.
        queue = update.snapshot.queues["returns"]
        busier = dataclasses.replace(queue, calls_waiting=queue.calls_waiting + 1)
        totals = update.snapshot.totals
        snapshot = dataclasses.replace(
            update.snapshot,
            queues={**update.snapshot.queues, "returns": busier},
            totals=dataclasses.replace(totals, calls_waiting=totals.calls_waiting + 1),
        )
        screen.show_update(dataclasses.replace(update, snapshot=snapshot))
        drawn = {
            (panel.queue, metric.figure.name)
            for panel in panels.values()
            for metric in panel.metrics
            if metric in seen["metric"]
        }
        assert drawn == {("returns", "waiting"), (None, "waiting")}
        assert len(seen["metric"]) == 2
        await pilot.pause(0.2)
        assert panels["returns"].metrics[0].value == str(busier.calls_waiting)


async def test_digits_drawn_once_are_shared_and_not_laid_out_again(sample_db, monkeypatch):  # noqa: F811
    made: list[int] = []
    real = Visual.to_strips

    def to_strips(widget, *args, **kwargs):
        if isinstance(widget, BigNumber):
            made.append(id(widget))
        return real(widget, *args, **kwargs)

    monkeypatch.setattr(Visual, "to_strips", staticmethod(to_strips))
    big_number.STRIPS.clear()
    app = make_app(sample_db, wall=True)
    async with app.run_test(size=(200, 60)) as pilot:
        await laid_out(pilot)
        app.live.poll_s = 3600.0
        metrics = [m for panel in app.screen._panels for m in panel.metrics]
        first = len(made)
        assert 0 < first <= len(metrics)
        # A value shown before, at the same size and style: its lines come from STRIPS.
        one = metrics[1]
        before = one.value
        keys: list[int] = []
        real_key = BigNumber._drawn_key
        monkeypatch.setattr(
            BigNumber, "_drawn_key", lambda self: keys.append(id(self)) or real_key(self)
        )
        one.update("9:99")
        await pilot.pause(0.2)
        assert len(made) == first + 1  # drawn: a new value
        assert keys.count(id(one)) == 1  # looked up once for all its lines
        assert one.size.height > 1
        one.update(before)
        await pilot.pause(0.2)
        assert len(made) == first + 1  # back to a value drawn before: not laid out again
        assert one.render_line(0) is big_number.STRIPS.get(one._drawn_key())[0]


async def test_the_alarm_strip_does_not_restyle_while_nothing_blinks(sample_db, monkeypatch):  # noqa: F811
    app = make_app(sample_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await laid_out(pilot)
        strip = app.screen.query_one(AlarmStrip)
        restyled: list[object] = []
        real = AlarmStrip.update_node_styles

        def update_node_styles(self, *args, **kwargs):
            restyled.append(self)
            return real(self, *args, **kwargs)

        monkeypatch.setattr(AlarmStrip, "update_node_styles", update_node_styles)
        assert not strip.has_class("-blink")
        for _ in range(6):
            strip._blink()
        assert restyled == [] and not strip.has_class("-on")
        strip.add_class("-blink")  # a loud critical alarm: the blink goes on
        restyled.clear()
        for _ in range(4):
            strip._blink()
        assert len(restyled) == 4


async def test_a_panel_changing_state_is_repainted_not_laid_out(sample_db, monkeypatch):  # noqa: F811
    app = make_app(sample_db, wall=True)
    async with app.run_test(size=(200, 60)) as pilot:
        await laid_out(pilot)
        app.live.poll_s = app.live.tick_s = 3600.0
        await pilot.pause(1.2)
        panel = app.screen._panels[1]
        layouts: list[object] = []
        real = WallPanel.refresh

        def refresh(self, *args, layout=False, **kwargs):
            if layout:
                layouts.append(self)
            return real(self, *args, layout=layout, **kwargs)

        monkeypatch.setattr(WallPanel, "refresh", refresh)
        for state in ("ok", "warning", "critical", "ok", "critical"):
            panel._set_state(state, panel._said)
            await pilot.pause(0.05)
            assert panel.has_class(f"-{state}")
        assert layouts == []  # (an outline that came and went laid the whole wall out again)
