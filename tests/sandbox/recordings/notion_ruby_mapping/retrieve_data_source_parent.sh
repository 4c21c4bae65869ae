curl 'https://api.notion.com/v1/data_sources/f0a1bf337ff04d24b5b6efb3ea006b15' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
