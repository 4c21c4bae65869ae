curl 'https://api.notion.com/v1/data_sources/293d8e4e98ab80e7842e000befaa8ed5' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
