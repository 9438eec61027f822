-- severity: warn
-- "一件事" packages whose member items are missing from the catalogue snapshot of the same
-- date: the package's department (its lead item's) may then be unknown.
with members as (
    select
        snapshot_date,
        package_code,
        unnest(member_item_codes) as item_code,
    from staging.stg_one_thing_packages
)

select members.snapshot_date, members.package_code, members.item_code
from members
left join staging.stg_items as items
    on items.snapshot_date = members.snapshot_date
    and items.item_code = members.item_code
where items.item_code is null
