-- Cases (办件), latest state: one row per case, typed, with the dates the metrics use.
-- grain: case_id
-- materialized: view
-- not_null: case_id, submitted_at, status
-- columns:
--   accepted_date: date(accepted_at); null when the case was not accepted
--   completed_date: date(completed_at): when the case ended (办结, 不予受理, 退回, 撤回)
--   suspended_days: working days in 挂起/补正/特别程序, excluded from handling time
--   site_visits: times the applicant actually came on site
--   is_completed: the case was completed (办结), the only ending that counts as done
--   is_mobile: applied through 渝快办APP or the mini-program (掌上办)
--   is_special_group_channel: handled through 无障碍通道, 无智能手机通道 or 绿色通道
with source as (
    select * from raw.cases
),

cleaned as (
    select
        trimmed(case_id) as case_id,
        nullif(trim(item_code), '') as item_code,
        trim(applicant_type) as applicant_type,
        trim(channel) as channel,
        trim(township) as township,
        cast(submitted_at as timestamp) as submitted_at,
        cast(accepted_at as timestamp) as accepted_at,
        cast(completed_at as timestamp) as completed_at,
        trim(status) as status,
        coalesce(cast(suspended_days as integer), 0) as suspended_days,
        coalesce(cast(site_visits as integer), 0) as site_visits,
        coalesce(cast(fully_online as boolean), false) as fully_online,
        nullif(trim(cross_province_mode), '') as cross_province_mode,
        coalesce(cast(chuanyu as boolean), false) as chuanyu,
        coalesce(cast(credit_checked as boolean), false) as credit_checked,
        coalesce(cast(credit_commitment as boolean), false) as credit_commitment,
        nullif(trim(assisted_channel), '') as assisted_channel,
        coalesce(cast(elderly as boolean), false) as elderly,
        coalesce(cast(postal as boolean), false) as postal,
    from source
)

select
    *,
    status = '办结' as is_completed,
    channel in ('渝快办APP', '小程序') as is_mobile,
    coalesce(assisted_channel in ('无障碍通道', '无智能手机通道', '绿色通道'), false) as is_special_group_channel,
    cast(accepted_at as date) as accepted_date,
    cast(completed_at as date) as completed_date,
from cleaned
