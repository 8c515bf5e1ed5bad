"""Data and methods (for analysts): what was found, what was imported or quarantined, revisions, gaps, refresh."""

from functools import partial

import streamlit as st

from svd import config, needs, public
from svd import dataquality as dq
from svd import provenance as prov
from svd.overview import as_of
from ui import access, cache, exports, frame, loads, present, upload
from ui import filters as uf

ROOT = cache.data_root()
# The import report on screen: counts with thousands separators (the labels are ui.present.COLUMN_LABELS').
REPORT_CONFIG = {
    "dataset": None,  # on screen the file and its format say what it is; the downloads name the dataset
    "rows_in": st.column_config.NumberColumn("Rows read", format="localized"),
    "rows_accepted": st.column_config.NumberColumn("Accepted", format="localized"),
    "rows_quarantined": st.column_config.NumberColumn("Quarantined", format="localized"),
    "offences": st.column_config.NumberColumn("Offences", format="localized"),
}


def body() -> None:
    """Lay out the data page."""
    uf.period_note(
        "The data checks cover every file and month: the months and wards do not apply on this page."
    )
    if not access.auth_configured():
        st.info(access.NO_SIGN_IN_NOTE, icon=":material/lock_open:")
    public_on = public.is_public()
    catalogue, reports = cache.data_checks(ROOT)
    totals = dq.import_totals(reports)
    ward_merge, ward_table = cache.mps_ward(ROOT)
    borough_merge, _ = cache.mps_borough(ROOT)
    gaps = dq.gaps_table({**borough_merge.gaps_by_level, **ward_merge.gaps_by_level})

    files = prov.mps(
        method="the dashboard's check of the reference files in the data directory against data/catalogue.json"
    ).but(source="the reference files in the data directory (MPS, ONS, Census 2021, police.uk), as read")
    frame.headline("Data and methods", dq.headline(catalogue, totals, gaps), provenance=files)
    exports.public_notice()
    if not public_on:  # the server's folders are nobody's business in public mode
        st.markdown(f"Data directory in use: `{ROOT}` (set `SVD_DATA_DIR` to read another folder).")
    if cache.mps_files_changed(ROOT):
        st.warning(
            "Files in the data directory have changed since the MPS series were read: the releases, revisions "
            "and pages below still show the files as they were. Press “Reload the data” at the foot of "
            "this page to read them again.",
            icon=":material/sync_problem:",
        )

    st.subheader("Catalogue check")
    st.caption(
        "Each reference dataset the dashboard reads: whether its files are present with the expected "
        "columns and rows."
    )
    present.table(catalogue, static=True)  # long titles and problems wrap (no sideways scrolling)
    exports.table_downloads(catalogue, "Catalogue check", label="Catalogue check", provenance=files)

    st.subheader("London-wide geography and population")
    london = cache.london_checks(ROOT)
    st.caption(
        "The files that let the dashboard serve any London borough, as the importers read them: rows read, "
        "lines skipped and why, polygons repaired."
    )
    present.table(
        london.table,
        column_config={
            "rows_read": st.column_config.NumberColumn("Rows read", format="localized"),
            "lines_skipped": st.column_config.NumberColumn("Lines skipped", format="localized"),
            "polygons_repaired": st.column_config.NumberColumn("Polygons repaired", format="localized"),
        },
        static=True,
    )
    st.markdown("\n".join(f"- {s}" for s in london.sentences))
    if not london.disagreements.empty:
        # On screen the wards by name (the codes would scroll the table sideways); the downloads have both.
        present.table(
            london.disagreements,
            column_config={
                "lsoa_name": st.column_config.TextColumn("Neighbourhood (LSOA)", width=190),
                "gla_ward_code": None,
                "gla_ward_name": st.column_config.TextColumn("GLA ward", width=150),
                "gla_share": st.column_config.NumberColumn("Its share of the LSOA", format="percent"),
                "derived_ward_code": None,
                "derived_ward_name": st.column_config.TextColumn("Ward from the polygons", width=170),
                "derived_share": st.column_config.NumberColumn("Its share", format="percent"),
                "reason": st.column_config.TextColumn("Why they differ", width=150),
            },
        )
        exports.table_downloads(
            london.disagreements,
            "LSOA best fit: where the polygons and the GLA disagree",
            provenance=prov.reference(
                "ONS wards (Dec 2022) and LSOAs (2021) for London; the GLA's best-fit LSOA to ward lookup",
                method="the ward holding most of each LSOA's area, in British National Grid, against the GLA's ward",
            ).but(area="London"),
        )

    st.subheader("Import report, per file")
    c = st.columns(4)
    c[0].metric("Files", f"{totals['files']:,}")
    c[1].metric("Rows read", f"{totals['rows_in']:,}")
    c[2].metric("Accepted", f"{totals['rows_accepted']:,}")
    c[3].metric("Quarantined", f"{totals['rows_quarantined']:,}")
    if totals["unusable_files"]:
        st.warning(
            f"{totals['unusable_files']} file(s) could not be used; their problems are listed in the "
            "quarantine download below. Nothing else was lost.",
            icon=":material/warning:",
        )
    table = dq.report_table(reports)
    present.table(table, REPORT_CONFIG, static=True)  # names of files and datasets wrap
    quarantine = dq.quarantine_table(reports)
    exports.table_downloads(table, "Import report", label="Import report", provenance=files)
    exports.table_downloads(
        {"Quarantined rows": quarantine, "Import report": table},
        "Quarantined rows",
        label=f"{len(quarantine):,} quarantined rows",
        provenance=files,
    )
    st.caption(
        "Every row read is either accepted or quarantined with its line number and the reason: "
        "rows read = accepted + quarantined for every file."
    )

    st.subheader("MPS releases, revisions and gaps")
    sources = dq.vintage_table([*ward_merge.sources, *borough_merge.sources])
    for note in dq.set_aside_notes([*ward_merge.set_aside, *borough_merge.set_aside]):
        st.warning(note, icon=":material/warning:")
    st.markdown(
        "Which monthly release supplies each month (the most recent release that has the month complete):"
    )
    mps_files = prov.mps(
        method="releases merged: the most recent complete release wins for each month",
        loads=(*ward_merge.loads(), *borough_merge.loads()),
    )
    present.table(sources, static=True)
    exports.table_downloads(sources, "MPS releases", provenance=mps_files)
    revisions = dq.revisions_for(ward_merge.revisions, config.borough().code)
    rs = dq.revision_summary(revisions)
    st.markdown(dq.revision_sentence(rs))
    if not revisions.empty:
        with frame.friendly_errors("The revisions chart"):
            exports.show_chart(
                dq.revisions_chart(
                    revisions,
                    f"How later releases revised {config.borough().name}'s monthly totals",
                    subtitle="Each point: one month in two consecutive releases; shape and colour name the pair.",
                    style=present.chart_style(),
                ),
                "MPS revisions",
                provenance=mps_files,
            )
        exports.show_table(
            revisions,
            "MPS revisions table",
            width="stretch",
            provenance=mps_files,
            column_config={
                "diff": st.column_config.NumberColumn("Revision", format="%+d"),
                "pct": st.column_config.NumberColumn("Revision (%)", format="%+.2f"),
            },
        )
    if gaps.empty:
        st.markdown("No month is missing inside the span of either series.")
    else:
        st.markdown(
            "Months missing inside a series' span (not published in any release in the folder; charts "
            "show them as gaps, never as zero):"
        )
        exports.show_table(gaps, "MPS gaps", provenance=mps_files)

    st.subheader("Record-level data")
    simulated = True
    with frame.friendly_errors("The record-level section"):
        record_set = cache.records(ROOT, cache.extract_path())
        simulated = record_set.source == "simulated"
        frame.records_notice(record_set)
        read_from = record_set.import_result.path if record_set.import_result is not None else None
        st.markdown(dq.records_sentence(record_set.source, len(record_set.data), read_from))
        if simulated:
            calibration = dq.calibration_table(cache.simulation_calibration(ROOT))
            st.markdown(
                dq.calibration_sentence(calibration) + " Each target is a published figure from the "
                "2023 needs assessment; shares are in percent and the tolerance in percentage points."
            )
            present.table(
                calibration,
                column_config={
                    "check": st.column_config.TextColumn("Target", width="large"),
                    "target_pct": st.column_config.NumberColumn("Target (%)", format="%.1f"),
                    "measured_pct": st.column_config.NumberColumn("Measured (%)", format="%.1f"),
                    "tolerance_points": st.column_config.NumberColumn("Tolerance (± points)", format="%.1f"),
                },
                static=True,  # long targets and methods wrap; a check without a figure shows an empty cell
            )
            exports.table_downloads(
                calibration,
                "Simulation calibration",
                label="Calibration",
                provenance=prov.for_record_set(record_set, method="calibration targets from the 2023 SNA"),
            )
        elif record_set.import_result is not None:
            extract = dq.result_report(record_set.import_result)
            ext = prov.for_record_set(record_set, method="import report of record format v1")
            extract_table = dq.report_table([extract])
            present.table(extract_table, REPORT_CONFIG, static=True)
            exports.table_downloads(extract_table, "Extract import report", provenance=ext)
            exports.table_downloads(
                dq.quarantine_table([extract]),
                "Extract rows set aside",
                label="Extract: rows set aside",
                provenance=ext,
            )

    st.subheader("Draft needs assessment")
    if public.is_public():
        st.markdown(needs.PUBLIC_NOTE)
    else:
        st.markdown(needs.PAGE_NOTE)
        for fmt, label, mime in needs.DOWNLOADS:
            st.download_button(
                label,
                data=partial(cache.needs_assessment, ROOT, cache.extract_path(), fmt),
                file_name=needs.file_name(fmt),
                mime=mime,
                key=f"needs_assessment{fmt}",
            )

    if access.role().manage_data and not public_on:
        st.subheader("Applied files and the audit log")
        loads.store_section()
    st.subheader("Check a file, or load the partnership's extract")
    if public_on:
        st.markdown("Checking and loading files is not offered in public mode.")
    else:
        upload.check_and_load()

    st.subheader("Refreshing the data each month")
    st.markdown(
        "\n".join(
            f"{i}. {step.format(root='<data directory>' if public_on else ROOT)}"
            for i, step in enumerate(dq.REFRESH_STEPS, start=1)
        )
    )
    if st.button(
        "Reload the data",
        icon=":material/refresh:",
        key="data-reload",
        help="Forget everything the dashboard has read, for every user, and read the data directory again. "
        "The next page takes a few seconds longer.",
    ):
        st.cache_data.clear()
        st.cache_resource.clear()
        st.rerun()

    frame.sources(
        [
            "mps",
            "mps_borough",
            "census",
            "police_uk",
            "geo",
            "records_simulated" if simulated else "records_extract",
        ],
        as_of=as_of(ward_table["month"]),
    )


frame.run_page(body)
