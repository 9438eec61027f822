-- "一件事" package snapshots: one row per snapshot date and package, member items as a list.
-- grain: snapshot_date, package_code
-- materialized: view
-- not_null: snapshot_date, package_code
-- columns:
--   member_item_codes: the package's item codes (split from the `|`-joined raw column)
--   lead_item_code: the first member item; its department answers for the package
--   fully_integrated: all four of 一次告知、一表申报、一窗受理、一次办成
with source as (
    select * from raw.one_thing_packages
),

cleaned as (
    select
        cast(snapshot_date as date) as snapshot_date,
        trim(package_code) as package_code,
        trim(package_name) as package_name,
        coalesce(cast(high_frequency as boolean), false) as high_frequency,
        coalesce(cast(one_notice as boolean), false) as one_notice,
        coalesce(cast(one_form as boolean), false) as one_form,
        coalesce(cast(one_window as boolean), false) as one_window,
        coalesce(cast(one_completion as boolean), false) as one_completion,
        list_filter(list_transform(string_split(coalesce(item_codes, ''), '|'), lambda code: trim(code)), lambda code: code <> '') as member_item_codes,
    from source
)

select
    *,
    member_item_codes[1] as lead_item_code,
    one_notice and one_form and one_window and one_completion as fully_integrated,
from cleaned
