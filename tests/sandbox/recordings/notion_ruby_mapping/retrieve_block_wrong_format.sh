curl 'https://api.notion.com/v1/blocks/AAA' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'