curl 'https://api.notion.com/v1/data_sources/4f93db514e1d4015b07f876e34c3b0b1/templates' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
