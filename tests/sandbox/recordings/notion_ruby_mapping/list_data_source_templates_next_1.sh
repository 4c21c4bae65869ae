curl 'https://api.notion.com/v1/data_sources/4f93db514e1d4015b07f876e34c3b0b1/templates?start_cursor=2e5d8e4e-98ab-808f-8c3a-f0819e3b3567' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
