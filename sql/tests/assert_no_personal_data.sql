-- No ID-card number (18 characters) or mobile number (11 digits starting with 1) in any
-- free-text column that reaches the warehouse.
select 'reviews.comment' as column_name, review_id as record_id
from raw.reviews
where regexp_matches(comment, '(^|[^0-9])[1-9][0-9]{16}[0-9Xx]([^0-9]|$)')
    or regexp_matches(comment, '(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)')
union all
select 'complaints.content', complaint_id
from raw.complaints
where regexp_matches(content, '(^|[^0-9])[1-9][0-9]{16}[0-9Xx]([^0-9]|$)')
    or regexp_matches(content, '(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)')
