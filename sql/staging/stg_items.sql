-- Service catalogue snapshots (事项清单): one row per snapshot date and item, typed and trimmed.
-- grain: snapshot_date, item_code
-- materialized: view
-- not_null: snapshot_date, item_code
-- columns:
--   snapshot_date: day the catalogue was exported; the catalogue as of D is the latest snapshot on or before D
--   on_application: 依申请类 item (false for 处罚/强制/检查/征收)
--   statutory_days: 法定办结时限 in working days; null when none is set
--   online_depth: 网上办理深度 0 线下 … 4 全程网办
--   site_visits: 到办事现场次数 the item requires
--   is_licensing: an administrative licensing item (行政许可), the scope of G01 and G12
--   department: 承办科室; 未关联事项 (seeds/departments.csv, unlinked) when the export leaves it blank
with source as (
    select * from raw.items
),

unlinked as (
    select department from seeds.departments where unlinked
),

cleaned as (
    select
        cast(snapshot_date as date) as snapshot_date,
        trim(item_code) as item_code,
        trim(item_name) as item_name,
        trim(category) as category,
        cast(on_application as boolean) as on_application,
        coalesce(nullif(trim(source.department), ''), unlinked.department) as department,
        cast(statutory_days as integer) as statutory_days,
        cast(promised_days as integer) as promised_days,
        trim(handling_type) as handling_type,
        cast(online_depth as integer) as online_depth,
        cast(site_visits as integer) as site_visits,
        coalesce(cast(on_yukuaiban as boolean), false) as on_yukuaiban,
        coalesce(cast(in_hall as boolean), false) as in_hall,
        coalesce(cast(chief_rep as boolean), false) as chief_rep,
        coalesce(cast(high_frequency as boolean), false) as high_frequency,
        coalesce(cast(cross_province_planned as boolean), false) as cross_province_planned,
        coalesce(cast(cross_province_live as boolean), false) as cross_province_live,
        cast(chuanyu_batch as integer) as chuanyu_batch,
        coalesce(cast(chuanyu_live as boolean), false) as chuanyu_live,
        coalesce(cast(notify_commit as boolean), false) as notify_commit,
    from source
    cross join unlinked
)

select
    *,
    category = '行政许可' as is_licensing,
from cleaned
